"""The floor: the benchmark model as a bare ``heapq`` loop over flat per-job lists.

No state machines, no records, no objects per job: two heap events per cycle
(begin, end), cancellation by generation, the rules of :mod:`.plan` inline.
"""

from __future__ import annotations

import heapq
import time

from sdssim.engine.jobs import draw, stream_seed

from .plan import US_S, Outcome, Plan
from .result import Result

__all__ = ["run_heapq"]

_BEGIN, _END, _RESTART = 0, 1, 2


def run_heapq(plan: Plan) -> Result:
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

    streams = [stream_seed(plan.seed, i + 1) for i in range(n)]
    gen = [0] * n
    initial_done = [False] * n
    force_full = [False] * n
    quarantined = [False] * n
    series = [0] * n
    qcount = [0] * n
    out = Outcome.empty(n)
    cycles, quarantines, disabled = out.cycles, out.quarantines, out.disabled

    heap: list[tuple] = []
    push, pop = heapq.heappush, heapq.heappop
    seq = 0
    for i in range(n):
        seq += 1
        heap.append((0, seq, _BEGIN, i, 0, None))
    for t, i, kind in plan.actions():
        if kind == "restart":
            seq += 1
            heap.append((t, seq, _RESTART, i, 0, None))
    heapq.heapify(heap)

    events = 0
    while heap and heap[0][0] <= horizon:
        t, _, kind, i, g, arg = pop(heap)
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
                push(heap, (t, seq, _END, i, g, (t, initial, True, False)))
                continue
            base = streams[i]
            if initial:
                units = job.objects
                dur = round(units * (ilo + ilo_hi * draw(base, k, 0)) * 60) * US_S
            else:
                dur = round((mlo + mlo_hi * draw(base, k, 0)) * 60) * US_S
                units = int(job.objects * rate * (0.5 + draw(base, k, 1)))
            slow = job.slowdown(t)
            if slow != 1:
                dur = round(dur * slow / US_S) * US_S
            failed = over(job.entry_failures(t, units), units)
            seq += 1
            push(heap, (t + dur, seq, _END, i, g, (t, initial, failed, failed)))
        elif kind == _END:
            if g != gen[i]:
                continue
            began, initial, failed, escrow = arg
            if escrow and not initial_done[i] and not quarantined[i]:
                # escrowsPruned: the first initial cycle completes and the job pauses
                initial_done[i] = True
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
            g = gen[i] = g + 1
            seq += 1
            push(heap, (nxt, seq, _BEGIN, i, g, None))
        else:  # a Watermark restart: cancel the running cycle, a full cycle at once
            if disabled[i]:
                continue
            force_full[i] = True
            g = gen[i] = gen[i] + 1
            seq += 1
            push(heap, (t, seq, _BEGIN, i, g, None))
    seconds = time.perf_counter() - t_wall
    state = (heap, streams, gen, initial_done, force_full, quarantined, series, qcount)
    return Result("heapq", plan.n, plan.days, out, events, seconds, state=state)
