"""The floor for a lazy engine: the bare ``heapq`` loop plus sdssim's closed-form steady state.

Same rules and draws as :mod:`.heapq_model`, and the same shortcut sdssim
takes (``docs/performance.md``): after a successful cycle, a job that no fault
reaches at that moment *sleeps*: its cycle ``k`` begins at ``anchor + (k -
first) * interval`` and is never put on the heap.  It wakes (one event) when
its next fault begins or an administrator restarts it; then the cycle running
at that instant, if any, is given its end event and stepping resumes.  At the
horizon a sleeping job's cycle count is computed in O(1).  No state machines,
records or objects per job: this is what the lazy mode costs at the least.
"""

from __future__ import annotations

import heapq
import time

from sdssim.engine.jobs import draw, stream_seed

from .plan import US_S, Outcome, Plan
from .result import Result

__all__ = ["run_heapq_lazy"]

#: event kinds; a wake-up sorts before a cycle begin at the same instant (as in sdssim)
_WAKE, _BEGIN, _END, _RESTART = 0, 1, 2, 3


def run_heapq_lazy(plan: Plan) -> Result:
    t_wall = time.perf_counter()
    rules = plan.rules
    jobs = plan.jobs
    n = len(jobs)
    horizon = plan.horizon
    interval = rules.interval
    ilo, ihi = rules.initial_per_object
    ilo_hi = ihi - ilo
    mlo, mhi = rules.incremental_minutes
    mlo_hi = mhi - mlo
    rate = rules.change_rate
    disable_after = rules.disable_after
    over = rules.over_threshold
    offset = rules.retry_offset
    # steady cycles must not overrun the interval for the closed form to hold (sdssim's rule)
    can_sleep_ever = round(mhi * 60) * US_S < interval

    streams = [stream_seed(plan.seed, i + 1) for i in range(n)]
    gen = [0] * n
    initial_done = [False] * n
    force_full = [False] * n
    quarantined = [False] * n
    series = [0] * n
    qcount = [0] * n
    asleep = [False] * n
    anchor = [0] * n
    first = [0] * n
    out = Outcome.empty(n)
    cycles, quarantines, disabled = out.cycles, out.quarantines, out.disabled

    def incremental(i: int, k: int) -> tuple[int, int]:
        base = streams[i]
        dur = round((mlo + mlo_hi * draw(base, k, 0)) * 60) * US_S
        return dur, int(jobs[i].objects * rate * (0.5 + draw(base, k, 1)))

    def settle(i: int, t: int, inclusive: bool) -> tuple[int, int] | None:
        """A sleeping job's cycles up to ``t``; the running cycle's (begin, end) if any."""
        span = t - anchor[i]
        if span < 0 or (span == 0 and not inclusive):
            return None
        m = span // interval
        if not inclusive and span % interval == 0:
            m -= 1
        k = first[i] + m
        cycles[i] = k
        began = anchor[i] + m * interval
        ends = began + incremental(i, k)[0]
        running = ends > t if inclusive else ends >= t
        return (began, ends) if running else None

    heap: list[tuple] = []
    push, pop = heapq.heappush, heapq.heappop
    seq = 0
    for i in range(n):
        seq += 1
        heap.append((0, _BEGIN, seq, i, 0, None))
    for t, i, kind in plan.actions():
        if kind == "restart":
            seq += 1
            heap.append((t, _RESTART, seq, i, 0, None))
    heapq.heapify(heap)

    def wake_up(i: int, t: int, inclusive: bool) -> None:
        """Back to stepping at ``t``: the running cycle's end, or the next begin."""
        nonlocal seq
        asleep[i] = False
        running = settle(i, t, inclusive)
        g = gen[i] = gen[i] + 1
        seq += 1
        if running is not None:
            push(heap, (running[1], _END, seq, i, g, (running[0], False, False, False)))
        else:
            push(heap, (anchor[i] + (cycles[i] + 1 - first[i]) * interval, _BEGIN, seq, i, g,
                        None))

    events = 0
    while heap and heap[0][0] <= horizon:
        t, kind, _, i, g, arg = pop(heap)
        events += 1
        if kind == _BEGIN:
            if g != gen[i]:
                continue
            k = cycles[i] + 1
            cycles[i] = k
            job = jobs[i]
            initial = not initial_done[i] or force_full[i]
            if job.cred_active(t):
                seq += 1
                push(heap, (t, _END, seq, i, g, (t, initial, True, False)))
                continue
            if initial:
                units = job.objects
                dur = round(units * (ilo + ilo_hi * draw(streams[i], k, 0)) * 60) * US_S
            else:
                dur, units = incremental(i, k)
            slow = job.slowdown(t)
            if slow != 1:
                dur = round(dur * slow / US_S) * US_S
            failed = over(job.entry_failures(t, units), units)
            seq += 1
            push(heap, (t + dur, _END, seq, i, g, (t, initial, failed, failed)))
        elif kind == _END:
            if g != gen[i]:
                continue
            began, initial, failed, escrow = arg
            if escrow and not initial_done[i] and not quarantined[i]:
                initial_done[i] = True  # escrowsPruned: the job pauses for good
                force_full[i] = False
                gen[i] += 1
                continue
            if failed:
                if not quarantined[i]:
                    quarantined[i] = True
                    quarantines[i] += 1
                    series[i] = t
                    qcount[i] = 1
                else:
                    qcount[i] += 1
                    if t - series[i] >= disable_after:
                        disabled[i] = 1
                        gen[i] += 1
                        continue
                nxt = max(series[i] + offset(qcount[i]), t)
            else:
                if initial:
                    initial_done[i] = True
                    force_full[i] = False
                quarantined[i] = False
                nxt = max(began + interval, t)
                job = jobs[i]
                if can_sleep_ever and not job.fault_active(t):
                    g = gen[i] = g + 1
                    asleep[i] = True
                    anchor[i] = nxt
                    first[i] = cycles[i] + 1
                    wake = job.next_fault_start(t)
                    if wake is not None and wake <= horizon:
                        seq += 1
                        push(heap, (wake, _WAKE, seq, i, g, None))
                    continue
            g = gen[i] = g + 1
            seq += 1
            push(heap, (nxt, _BEGIN, seq, i, g, None))
        elif kind == _WAKE:
            if g == gen[i] and asleep[i]:
                wake_up(i, t, inclusive=False)
        else:  # a Watermark restart: cancel the running cycle, a full cycle at once
            if disabled[i]:
                continue
            if asleep[i]:
                asleep[i] = False
                settle(i, t, inclusive=True)
            force_full[i] = True
            g = gen[i] = gen[i] + 1
            seq += 1
            push(heap, (t, _BEGIN, seq, i, g, None))
    for i in range(n):  # observe the sleeping jobs at the horizon (inclusive)
        if asleep[i]:
            settle(i, horizon, inclusive=True)
    seconds = time.perf_counter() - t_wall
    state = (heap, streams, gen, initial_done, force_full, quarantined, series, qcount,
             asleep, anchor, first)
    return Result("heapq-lazy", plan.n, plan.days, out, events, seconds, state=state)
