"""A job's cycles: begin, end, the escrow and deletion rules, quarantine and its escalation.

A stepped job costs two heap events per cycle (begin, end).  The begin event
draws the cycle's duration and outcome from the faults active at that moment;
the end event applies the rules.

The end event that schedules the next begin also allocates that cycle's
:class:`Execution` (``job.spare``), which the begin fills in.  Jobs started
together begin their cycles together, thousands at one instant; allocating
there, with the matching frees spread over the cycles' ends, made CPython's
young-generation collector run every 700 begins (12 % of a stepped run's
time, against none for the same work in SimPy).  Allocated at the end, next to
the free of the execution it replaces, the counts balance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...clock import format_us
from ...models import QuarantineReason
from ..config import MAX_CYCLE_US, MAX_OBJECTS
from ..core import Core
from ..faults import Fault, first_active
from ..scheduler import CYCLE
from .outcomes import COMPLETE_FAILURES, DELETES, ESCROW_FAILURE, PRUNED, US_S
from .state import Execution, JobState, QuarantineSeries
from .steady import incremental
from .streams import draw

__all__ = ["CycleRules"]


class CycleRules:
    """The cycle half of :class:`~sdssim.engine.jobs.JobService` (a mixin over its ``core``
    and ``lazy``; ``_sleep`` comes from :class:`~.steady.SteadyState`)."""

    core: Core
    lazy: dict[str, JobState]
    shared: dict[Any, Any]  # from JobService
    _sleep: Callable[[JobState, int, int], bool]  # from SteadyState

    def _cancel(self, job: JobState) -> None:
        """No cycle runs or is due any more (pause, stop): no next attempt either."""
        job.gen += 1
        job.current = None
        if job.q is not None:
            job.q.next = None

    def _cancel_next(self, job: JobState) -> None:
        """No further cycle begins; a running cycle still ends (interval set to "never")."""
        job.gen += 1
        if job.q is not None:
            job.q.next = None
        if job.current is not None:
            self.core.at(job.current.ends, self._end, (job, job.gen, job.current),
                         subject=job.num)

    def _schedule_begin(self, job: JobState, when: int) -> None:
        job.gen += 1
        self.core.at(when, self._begin, (job, job.gen), subject=job.num)

    def _begin(self, arg: tuple[JobState, int]) -> None:
        job, gen = arg
        if gen != job.gen:
            return
        core = self.core
        t = core.sched.now
        if job.expiration_us is not None and t >= job.expiration_us:
            self._expire(job)
            return
        cfg = core.config
        faults = core.faults
        active = faults.active_at(job.subject, t)
        initial = not job.initial_done or job.force_full
        k = job.cycles = job.cycles + 1
        complete = _complete_failure(active, t) if active else None
        ex = job.spare
        if ex is None:
            ex = Execution.blank()
        else:
            job.spare = None
        if complete is not None:
            ex.plan(k, t, t, initial, 0, 0, 0, 0, complete)
        else:
            if initial:
                entitled = job.entitled
                lo, hi = cfg.initial_minutes_per_object
                dur = round(entitled * (lo + (hi - lo) * draw(job.stream, k, 0)) * 60) * US_S
                units = entitled
            else:
                dur, units = incremental(job, k, cfg)
            failures = reference = 0
            if active or faults.one_shot:
                dur, failures, reference = self._cycle_faults(job, active, t, dur, units)
            deletes = job.pending_deletes
            if dur > MAX_CYCLE_US:
                dur = MAX_CYCLE_US
            ex.plan(k, t, t + dur, initial, units + deletes, failures, reference, deletes, None)
        job.current = ex
        core.sched.at(ex.ends, self._end, (job, gen, ex), CYCLE, job.num)

    def _cycle_faults(self, job: JobState, active: Sequence[Fault], t: int, dur: int,
                      units: int) -> tuple[int, int, int]:
        """The faults active at a cycle's begin: its duration, failures and reference
        failures (and deletions a mass-delete fault adds to the job)."""
        failures = reference = 0
        f = first_active(active, "throttling", t)
        if f:
            dur = round(dur * f.params["slowdown"] / US_S) * US_S
        f = first_active(active, "entry_failures", t)
        if f:
            n = f.params["count"] if f.params["count"] is not None \
                else round(f.params["rate"] * units)
            n = min(n, units)
            if f.params["reference"]:
                reference = n
            else:
                failures = n
        f = first_active(active, "replica_unavailable", t)
        if f:
            failures = min(units - reference, failures + round(f.params["rate"] * units))
        f = self.core.faults.take_once("mass_deletes", job.subject, t) \
            if self.core.faults.one_shot else None
        if f:
            job.pending_deletes = min(job.pending_deletes + f.params["count"], MAX_OBJECTS)
        return dur, failures, reference

    def _expire(self, job: JobState) -> None:
        """``schedule.expiration`` has passed: the schedule is disabled, no cycle begins."""
        core = self.core
        job.gen += 1
        job.current = None
        if job.q is not None:
            job.q.next = None
        if job.schedule == "Active":
            core.fire(job, "schedule", "expire",
                      f"rule: the schedule expired at {format_us(job.expiration_us or 0)}")
        else:
            core.changed(job)

    def _end(self, arg: tuple[JobState, int, Execution]) -> None:
        job, gen, ex = arg
        if gen != job.gen:
            return
        job.current = None
        job.last = ex
        if ex.error is not None:  # only a complete failure has an error before it ends
            self._failed_at_once(job, ex)
            return
        job.complete_failures = 0
        if ex.deletes and self._too_many_deletes(job, ex):
            return
        t = self.core.sched.now
        failures = ex.failures
        units = ex.units
        # Escrows are retried every cycle: a full cycle re-escrows from scratch.
        if failures or ex.initial:
            job.escrowed = min(failures if ex.initial else job.escrowed + failures, MAX_OBJECTS)
        if units - failures - ex.reference:  # it exported objects (ex.exported > 0)
            job.last_ok_exports = ex  # "the last execution that exported objects"
        if failures or ex.reference:
            ex.state = "EntryLevelErrors"
        if (failures or job.escrowed >= self.core.config.escrow_cap) \
                and self._escrows_crossed(job, ex, t):
            return
        # The cycle succeeded (possibly with entry-level errors below the thresholds).
        if ex.initial:
            self._initial_done(job, t)
        job.steady_last = t
        if ex.state == "Succeeded":
            job.last_ok = ex  # "the last execution which didn't have any errors"
        if job.quarantine != "healthy":
            core = self.core
            core.fire(job, "quarantine", "retry_succeeded",
                      "rule: the retry succeeded, lifting the quarantine")
            core.fire(job, "job", "lift_quarantine", "rule: the retry succeeded")
            self._clear_quarantine(job)
        job.gen += 1
        if job.interval_us < 0:  # the interval was set to "never": nothing more is scheduled
            return
        nxt = ex.began + job.interval_us
        if nxt < t:
            nxt = t
        if self.core.config.lazy_steady_state and self._sleep(job, nxt, t):
            return
        if job.spare is None:
            job.spare = Execution.blank()  # see the module's docstring
        self.core.sched.at(nxt, self._begin, (job, job.gen), CYCLE, job.num)

    def _failed_at_once(self, job: JobState, ex: Execution) -> None:
        """A cycle that a fault made fail completely (every call to the target failed)."""
        ex.state = "Failed"
        error = ex.error
        assert error is not None
        self.core.error(job.subject, "synchronizationError",
                        {"code": error[0], "message": error[1], "tenantActionable": True})
        if error[0] in QuarantineReason.__members__:
            self._quarantine(job, error[0], error, f"fault: quarantine ({error[0]})")
            return
        job.complete_failures += 1
        self._quarantine(job, "EncounteredQuarantineException", error,
                         f"fault: {error[0]}: every call to the target failed")

    def _too_many_deletes(self, job: JobState, ex: Execution) -> bool:
        """Quarantine a cycle deleting more than the threshold allows (``True``); otherwise
        apply its deletions."""
        threshold_text = job.setting("QuarantineTooManyDeletesThreshold")
        threshold = int(threshold_text) if threshold_text \
            else self.core.config.too_many_deletes_threshold
        if ex.deletes > threshold and not job.force_deletes:
            ex.state = "Failed"
            ex.error = DELETES
            self.core.error(job.subject, "synchronizationError",
                            {"code": DELETES[0], "message": DELETES[1], "tenantActionable": True})
            self._quarantine(job, "TooManyDeletes", DELETES,
                             f"rule: {ex.deletes:,} deletions in one cycle, above the "
                             f"threshold of {threshold:,}")
            return True
        self._apply_deletes(job, ex.deletes)
        job.pending_deletes = 0
        job.force_deletes = False
        return False

    def _escrows_crossed(self, job: JobState, ex: Execution, t: int) -> bool:
        """Apply the escrow thresholds to an ended cycle: prune (the initial sync) or
        quarantine, and say whether either happened."""
        escrow_rule = self._escrow_rule(job, ex.failures, ex.units, ex.initial)
        if escrow_rule is None:
            return False
        if not job.initial_done and job.code == "Active":
            self._prune(job, ex, t, escrow_rule[1])
            return True
        reason, why = escrow_rule
        ex.error = ESCROW_FAILURE
        self.core.error(job.subject, "synchronizationError",
                        {"code": ESCROW_FAILURE[0], "message": ESCROW_FAILURE[1],
                         "tenantActionable": True})
        self._quarantine(job, reason, ESCROW_FAILURE, f"rule: {why}")
        return True

    def _escrow_rule(self, job: JobState, failures: int, units: int, full: bool
                     ) -> tuple[str, str] | None:
        """The quarantine reason and its explanation when escrows cross a threshold."""
        cfg = self.core.config
        if failures >= cfg.escrow_min_failures and (
                failures > cfg.escrow_proportion * units or failures > cfg.escrow_total):
            if failures > cfg.escrow_proportion * units:
                return ("EncounteredEscrowProportionThreshold",
                        f"{failures:,} of {units:,} entries failed, above the "
                        f"{cfg.escrow_proportion:.0%} threshold")
            return ("EncounteredTotalEscrowThreshold",
                    f"{failures:,} of {units:,} entries failed, above {cfg.escrow_total:,}")
        if job.escrowed >= cfg.escrow_cap:
            return ("EncounteredBaseEscrowThreshold",
                    f"{job.escrowed:,} escrowed entries reached the cap of {cfg.escrow_cap:,}")
        return None

    def _prune(self, job: JobState, ex: Execution, t: int, why: str) -> None:
        """Graph's ``escrowsPruned``: in the initial cycle the escrow threshold clears the
        job's escrows instead of quarantining; the cycle completes and the job pauses."""
        core = self.core
        job.escrowed = 0
        job.escrows_pruned = True
        ex.error = PRUNED
        self._initial_done(job, t)
        core.fire(job, "job", "escrows_pruned",
                  f"rule: {why} during the initial cycle: escrows pruned")
        core.fire(job, "schedule", "escrows_pruned", "rule: the job pauses after pruning")
        job.gen += 1

    def _initial_done(self, job: JobState, t: int) -> None:
        synced = tuple(job.objects.items())
        if synced != job.synced:  # kept when equal: snapshots (and jobs) share the one tuple
            job.synced = self.shared.setdefault(("synced", synced), synced)
        if not job.initial_done or job.steady_first is None:
            job.steady_first = t
        job.initial_done = True
        job.force_full = False
        self.core.changed(job)

    def _apply_deletes(self, job: JobState, deletes: int) -> None:
        synced = dict(job.synced)
        objects = dict(job.objects)  # replaced, never changed in place: the call log shares it
        job.objects = objects
        for k in list(objects):
            take = min(objects[k], deletes)
            objects[k] -= take
            job.entitled -= take
            if k in synced:
                synced[k] = max(synced[k] - take, 0)
            deletes -= take
            if not deletes:
                break
        job.synced = tuple(synced.items())
        self.core.changed(job)

    def _clear_quarantine(self, job: JobState) -> None:
        job.q = None
        job.complete_failures = 0

    def _quarantine(self, job: JobState, reason: str, error: tuple[str, str], cause: str) -> None:
        """Impose a quarantine, or re-evaluate one in effect; schedule the next attempt or
        disable the job.

        Graph's definitions: ``seriesBegan`` is when the series was first imposed,
        ``currentBegan`` when it was last evaluated and imposed, ``seriesCount`` how many
        times in this series it was re-evaluated and left in effect (0 when first imposed).
        """
        core = self.core
        cfg = core.config
        t = core.sched.now
        q = job.q
        if q is None or job.quarantine == "healthy":
            q = job.q = QuarantineSeries(reason, t, error)
        else:
            q.count += 1
        q.current_began = t
        q.reason = reason
        q.error = error
        elapsed = t - q.series_began
        disable_us = cfg.us("quarantine_disable_after")
        if job.quarantine != "healthy" and elapsed >= disable_us:
            while job.quarantine != "daily":
                core.fire(job, "quarantine", "cycle_failed", cause)
            words = cfg.quarantine_disable_after.in_words()  # type: ignore[attr-defined]
            core.fire(job, "quarantine", "series_expired",
                      f"rule: still failing {words} after the "
                      f"quarantine began; the job is disabled")
            core.fire(job, "job", "quarantine", cause)
            if job.schedule == "Active":
                core.fire(job, "schedule", "disable", "rule: quarantined for 28 days or more")
            q.next = None
            job.gen += 1
            return
        core.fire(job, "quarantine", "cycle_failed", cause)
        core.fire(job, "job", "quarantine", f"{cause}; quarantined ({reason})")
        offsets = cfg.us_each("quarantine_retries")
        k = q.count + 1
        if k <= len(offsets):
            offset = offsets[k - 1]
        else:
            offset = offsets[-1] + (k - len(offsets)) * cfg.us("quarantine_retry_every")
        job.gen += 1
        if job.interval_us < 0:  # "never" interval: the quarantine stays, nothing is retried
            q.next = None
            return
        # A long attempt can end after its successor's offset: the next one is then at once.
        q.next = max(q.series_began + offset, t)
        core.at(q.next, self._begin, (job, job.gen), subject=job.num)


def _complete_failure(active: Sequence[Fault], t: int) -> tuple[str, str] | None:
    """The error of a fault making every call of a cycle beginning at ``t`` fail, if any
    (the kinds are tried in :data:`COMPLETE_FAILURES` order, then ``quarantine``)."""
    for kind, err in COMPLETE_FAILURES.items():
        if first_active(active, kind, t):
            return err
    f = first_active(active, "quarantine", t)
    if f:
        return (f.params["reason"], f"Quarantined: {f.params['reason']} (injected).")
    return None
