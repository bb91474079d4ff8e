"""Lazy steady state: a healthy job's cycles are computed when observed, not stepped.

A job in *steady state* (active, healthy, nothing pending, no fault that can
reach it, cycles shorter than the interval) is not stepped at all: cycle
``k`` begins at ``anchor + k * interval`` and its draws come from the job's
own counter-based random stream, so any cycle can be computed in O(1) when
the job is observed.  An API call on the job, or the start of a fault that
can reach it, *wakes* it back into stepped mode at exactly the state the
stepped run would have had.  Cost grows with observable changes, not cycles.
"""

from __future__ import annotations

from collections.abc import Callable

from ...models import SynchronizationJob
from ..config import SimConfig
from ..core import Core
from ..scheduler import WAKE
from ..subjects import parse_subject
from .outcomes import JOB_FAULTS, US_S
from .state import Execution, JobState
from .streams import draw_pair

__all__ = ["SteadyState", "incremental", "settle"]


def incremental(job: JobState, k: int, cfg: SimConfig) -> tuple[int, int]:
    """Duration (us) and units of incremental cycle ``k``, from the job's own stream."""
    lo, hi = cfg.incremental_minutes
    d0, d1 = draw_pair(job.stream, k)
    return (round((lo + (hi - lo) * d0) * 60) * US_S,
            int(job.entitled * cfg.incremental_change_rate * (0.5 + d1)))


def _lazy_execution(job: JobState, k: int, cfg: SimConfig) -> Execution:
    began = job.lz_anchor + (k - job.lz_first) * job.interval_us
    dur, units = incremental(job, k, cfg)
    return Execution(k, began, began + dur, False, units, 0, 0, 0, None)


def settle(job: JobState, core: Core, t: int, *, inclusive: bool) -> Execution | None:
    """Bring a lazy job's cycle fields up to time ``t`` (O(1)); return the running cycle.

    ``inclusive``: a cycle beginning or ending exactly at ``t`` has happened
    (an observer after ``run_until(t)``); otherwise it has not (a wake event
    that runs before same-time cycle events).
    """
    cfg = core.config
    span = t - job.lz_anchor
    if span < 0 or (span == 0 and not inclusive):
        return None
    n = span // job.interval_us
    if not inclusive and span % job.interval_us == 0:
        n -= 1  # the cycle beginning exactly at t is left to its own begin event
    k = job.lz_first + n
    ex = _lazy_execution(job, k, cfg)
    job.cycles = k
    ended = ex.ends <= t if inclusive else ex.ends < t
    done: Execution | None
    if ended:
        done, job.current = ex, None
    else:
        job.current = ex
        done = _lazy_execution(job, k - 1, cfg) if k > job.lz_first else None
    if done is not None:
        job.last = job.last_ok = done
        job.steady_last = done.ends
        back = done
        while back.exported == 0 and back.num > job.lz_first:
            back = _lazy_execution(job, back.num - 1, cfg)
        if back.exported:
            job.last_ok_exports = back
    return job.current


class SteadyState:
    """The lazy half of :class:`~sdssim.engine.jobs.JobService` (a mixin over its ``core``,
    ``jobs`` and ``lazy``)."""

    core: Core
    jobs: dict[str, JobState]
    lazy: dict[str, JobState]
    # defined by the other halves of JobService
    _begin: Callable[[tuple[JobState, int]], None]
    _end: Callable[[tuple[JobState, int, Execution]], None]
    find: Callable[[str, str], JobState]

    def view(self, job: JobState) -> SynchronizationJob:
        """The job's Graph model now (settling a lazy job first, without waking it)."""
        if job.lazy:
            settle(job, self.core, self.core.now, inclusive=True)
        return job.model(self.core.now)

    def cycle_count(self, job: JobState) -> int:
        """Cycles begun up to now (settling a lazy job first)."""
        if job.lazy:
            settle(job, self.core, self.core.now, inclusive=True)
        return job.cycles

    def wake(self, job: JobState, *, inclusive: bool = True) -> None:
        """Return a lazy job to stepped mode with the state the stepped run would have."""
        if not job.lazy:
            return
        core = self.core
        t = core.now
        running = settle(job, core, t, inclusive=inclusive)
        job.lazy = False
        del self.lazy[job.id]
        job.gen += 1
        if running is not None:
            core.at(running.ends, self._end, (job, job.gen, running), subject=job.num)
        else:
            nxt = job.lz_anchor + (job.cycles + 1 - job.lz_first) * job.interval_us
            core.at(nxt, self._begin, (job, job.gen), subject=job.num)

    def next_activity(self, job: JobState) -> tuple[int | None, int | None]:
        """``(running cycle's begin, next begin or end)`` from the pending events; O(events)."""
        if job.lazy:
            k = job.cycles + 1 - job.lz_first
            running = job.current.began if job.current is not None else None
            return running, job.lz_anchor + k * job.interval_us
        due = None
        for entry in self.core.sched.pending():
            arg = entry[5]
            if isinstance(arg, tuple) and arg and arg[0] is job and arg[1] == job.gen:
                due = entry[0] if due is None else min(due, entry[0])
        running = job.current.began if job.current is not None else None
        return running, due

    def awake(self, sp_id: str, jid: str) -> JobState:
        """:meth:`find` for a call that changes the job: wake it first."""
        job = self.find(sp_id, jid)
        self.wake(job)
        return job

    def _wake_event(self, arg: tuple[JobState, int]) -> None:
        job, gen = arg
        if gen == job.gen:  # still the sleep it was scheduled for (not woken, not removed)
            self.wake(job, inclusive=False)

    def fault_added(self, target: str | None, kind: str, start_us: int) -> None:
        """A fault that can reach jobs was scheduled: wake the lazy jobs it reaches."""
        if kind not in JOB_FAULTS or not self.lazy:
            return
        if target is None:
            jobs = list(self.lazy.values())
        else:
            kind, ident = parse_subject(target)
            job = self.lazy.get(ident) if kind == "job" else None
            jobs = [job] if job is not None else []
        core = self.core
        for job in jobs:
            if start_us <= core.now:
                self.wake(job, inclusive=True)
            else:
                core.at(start_us, self._wake_event, (job, job.gen), priority=WAKE, subject=job.num)

    def _sleep(self, job: JobState, nxt: int, t: int) -> bool:
        """Put a job whose cycle ended at ``t`` to sleep if it is in steady state, its next
        cycle beginning at ``nxt``; say whether it sleeps.

        A fault that can reach the job later does not keep it awake: the job sleeps
        and a wake-up is scheduled for the instant the fault begins (it runs before
        any cycle event of that instant, so the fault sees the job stepped).
        """
        cfg = self.core.config
        if not cfg.lazy_steady_state or job.code != "Active" or job.schedule != "Active":
            return False
        if job.quarantine != "healthy" or job.force_full or job.pending_deletes:
            return False
        if job.expiration_us is not None:
            return False
        if round(cfg.incremental_minutes[1] * 60) * US_S >= job.interval_us:
            return False
        fault_at = self.core.faults.active_or_next(JOB_FAULTS, job.subject, t)
        if fault_at == t:
            return False  # a fault reaches the job now: it stays stepped until that ends
        job.lazy = True
        job.lz_anchor = nxt
        job.lz_first = job.cycles + 1
        self.lazy[job.id] = job
        if fault_at is not None:
            self.core.at(fault_at, self._wake_event, (job, job.gen), priority=WAKE,
                         subject=job.num)
        return True
