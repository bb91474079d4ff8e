"""The engine's mutable state of one provisioning job, and its Graph projection."""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

from ...clock import (
    NEVER,
    NEVER_INTERVAL,
    NEVER_INTERVAL_TEXT,
    NEVER_TEXT,
    format_duration,
    format_us,
    from_us,
    parse_duration,
    to_us,
)
from ...models import (
    KeyValuePair,
    QuarantineReason,
    StringKeyLongValuePair,
    SynchronizationError,
    SynchronizationJob,
    SynchronizationProgress,
    SynchronizationQuarantine,
    SynchronizationSchedule,
    SynchronizationScheduleState,
    SynchronizationStatus,
    SynchronizationStatusCode,
    SynchronizationTaskExecution,
    SynchronizationTaskExecutionResult,
)
from ..core import Core, Subject
from ..records import View
from ..subjects import job_subject

__all__ = ["Execution", "JobState", "JobView", "QuarantineSeries", "Settings",
           "TROUBLESHOOTING_URL"]

#: A job's ``synchronizationJobSettings`` as ``(name, value)`` pairs, in order.
Settings = tuple[tuple[str | None, str | None], ...]

#: Where a quarantined job's status points (Microsoft's page on provisioning quarantine).
TROUBLESHOOTING_URL = ("https://learn.microsoft.com/entra/identity/app-provisioning/"
                       "application-provisioning-quarantine-status")


def _error_json(error: tuple[str, str]) -> dict[str, Any]:
    return {"code": error[0], "message": error[1], "tenantActionable": True}


@functools.lru_cache(maxsize=256)
def _interval_text(interval_us: int) -> str:
    """A schedule interval as Graph writes it (negative: never)."""
    return NEVER_INTERVAL_TEXT if interval_us < 0 else \
        format_duration(parse_duration(interval_us / 1_000_000))


class QuarantineSeries:
    """A quarantine in effect (Graph's ``synchronizationQuarantine``), engine time in us."""

    __slots__ = ("reason", "series_began", "current_began", "count", "next", "error")

    def __init__(self, reason: str, began: int, error: tuple[str, str]) -> None:
        self.reason = reason
        #: when first imposed in this series
        self.series_began = began
        #: when last evaluated and imposed
        self.current_began = began
        #: re-evaluations in this series that left it in effect (0 when imposed)
        self.count = 0
        #: the next attempt, or ``None`` when none is due
        self.next: int | None = None
        self.error = error


class Execution:
    """One cycle: its plan (drawn at begin) and, once ended, its figures.

    Snapshots keep ended executions, so there are many: a cycle that a fault makes
    fail completely carries that error from its begin (it ends at the same instant),
    and the exported count is worked out from the others.
    """

    __slots__ = ("num", "began", "ends", "initial", "units", "failures", "reference",
                 "deletes", "state", "error")

    def __init__(self, num: int, began: int, ends: int, initial: bool, units: int,
                 failures: int, reference: int, deletes: int,
                 complete: tuple[str, str] | None) -> None:
        self.plan(num, began, ends, initial, units, failures, reference, deletes, complete)

    def plan(self, num: int, began: int, ends: int, initial: bool, units: int,
             failures: int, reference: int, deletes: int,
             complete: tuple[str, str] | None) -> None:
        """Fill in a cycle's plan (an execution made blank with ``Execution.blank()``)."""
        self.num = num
        self.began = began
        self.ends = ends
        self.initial = initial
        self.units = units
        self.failures = failures
        self.reference = reference
        self.deletes = deletes
        self.state = "Succeeded"
        #: the error; set at begin for a complete failure (see ``CycleRules._end``)
        self.error: tuple[str, str] | None = complete

    @staticmethod
    def blank() -> Execution:
        """An execution to be planned later (see :mod:`.cycles`)."""
        return Execution.__new__(Execution)

    @property
    def exported(self) -> int:
        """Objects exported by the ended cycle: none when it failed, else the units that
        neither failed nor wait for a reference."""
        return 0 if self.state == "Failed" else self.units - self.failures - self.reference

    def activity(self, n: int) -> str:
        """The ``activityIdentifier`` of this execution of job number ``n``."""
        return f"{n:08x}-{(self.num >> 16) & 0xFFFF:04x}-4000-8000-{self.num & 0xFFFFFFFFFFFF:012x}"

    def model(self, n: int, entitled: int) -> SynchronizationTaskExecution:
        """This execution as Graph's ``synchronizationTaskExecution`` of job number ``n``."""
        return SynchronizationTaskExecution(
            activity_identifier=self.activity(n),
            count_entitled=entitled,
            count_entitled_for_provisioning=entitled,
            count_escrowed=self.failures,
            count_escrowed_raw=self.failures + self.reference,
            count_exported=self.exported,
            count_exports=self.exported,
            count_imported=self.units,
            count_imported_deltas=0 if self.initial else self.units,
            count_imported_reference_deltas=self.reference,
            error=(SynchronizationError(code=self.error[0], message=self.error[1],
                                        tenant_actionable=True) if self.error else None),
            state=SynchronizationTaskExecutionResult(self.state),
            time_began=from_us(self.began),
            time_ended=from_us(self.ends),
        )

    def json(self, n: int, entitled: int) -> dict[str, Any]:
        """``model(n, entitled).to_json()``, written directly (see :meth:`JobView.render`)."""
        exported = self.exported
        out = {
            "activityIdentifier": self.activity(n),
            "countEntitled": entitled,
            "countEntitledForProvisioning": entitled,
            "countEscrowed": self.failures,
            "countEscrowedRaw": self.failures + self.reference,
            "countExported": exported,
            "countExports": exported,
            "countImported": self.units,
            "countImportedDeltas": 0 if self.initial else self.units,
            "countImportedReferenceDeltas": self.reference,
            "state": self.state,
            "timeBegan": format_us(self.began),
            "timeEnded": format_us(self.ends),
        }
        if self.error:
            out["error"] = _error_json(self.error)
        return out


class JobState(Subject):
    """The engine's mutable view of one provisioning job."""

    __slots__ = (
        "id", "sp_id", "template_id", "settings", "objects", "entitled", "code", "schedule", "quarantine",
        "interval_us", "expiration", "expiration_us", "pod_times", "initial_done", "force_full",
        "force_deletes", "escrowed",
        "escrows_pruned", "complete_failures", "current", "last", "last_ok", "last_ok_exports",
        "q",
        "steady_first", "steady_last", "synced", "cycles", "pending_deletes",
        "stream", "lazy", "lz_anchor", "lz_first", "view_fixed", "spare",
    )
    MACHINES = {"job": "code", "schedule": "schedule", "quarantine": "quarantine"}

    def __init__(self, num: int, jid: str, sp_id: str, template_id: str,
                 settings: Settings, objects: dict[str, int], stream: int = 0) -> None:
        self.num = num
        self.stream = stream
        self.lazy = False
        self.lz_anchor = 0  # begin time of cycle ``lz_first``
        self.lz_first = 0
        self.id = jid
        self.subject = job_subject(jid)
        self.gen = 0
        self.sp_id = sp_id
        self.template_id = template_id
        self.settings = settings
        #: objects in scope by type: replaced when they change, never changed in place
        #: (the call log and jobs with the same counts share it)
        self.objects = objects
        #: the objects in scope, ``sum(objects.values())`` (kept as objects change)
        self.entitled = sum(self.objects.values())
        self.code = "NotConfigured"
        self.schedule = "Disabled"
        self.quarantine = "healthy"
        self.interval_us = -1  # TimeSpan.MaxValue until started
        self.expiration: _dt.datetime | None = None
        self.expiration_us: int | None = None
        #: times of the provisionOnDemand requests admitted in the current window
        self.pod_times: tuple[int, ...] = ()  # replaced, never changed in place
        self.initial_done = False
        self.force_full = False
        self.force_deletes = False
        self.escrowed = 0
        self.escrows_pruned = False
        self.complete_failures = 0
        self.current: Execution | None = None
        self.last: Execution | None = None
        self.last_ok: Execution | None = None
        self.last_ok_exports: Execution | None = None
        #: the quarantine in effect, or ``None`` (healthy)
        self.q: QuarantineSeries | None = None
        self.steady_first: int | None = None
        self.steady_last: int | None = None
        #: synchronized entries by type, as (type, count) pairs: immutable, replaced when it changes
        self.synced: tuple[tuple[str, int], ...] = ()
        self.cycles = 0
        self.pending_deletes = 0
        #: the fields of :class:`JobView` that seldom change, shared by its views
        self.view_fixed: tuple[Any, ...] = ()
        #: the next cycle's execution, allocated when it was scheduled (see ``cycles``)
        self.spare: Execution | None = None

    def setting(self, name: str) -> str | None:
        for k, v in self.settings:
            if k == name:
                return v
        return None

    def model(self, now: int) -> SynchronizationJob:
        """The job's Graph resource at ``now``."""
        return JobView(self, now).model()

    def snapshots(self, core: Core) -> list[tuple[str, dict[str, Any] | View]]:
        if self.lazy:  # taken right after an event: same-time cycle begins have not run yet
            from .steady import settle

            settle(self, core, core.now, inclusive=False)
        return [("job", JobView(self, core.now))]


class JobView:
    """A job's Graph JSON as of one instant, kept compactly and rendered on demand.

    Snapshots hold these instead of JSON: capturing one copies a few references
    (ended :class:`Execution` objects never change again; the quarantine and the
    synchronized counts are copied), and the Graph model and its JSON are built
    only when somebody reads them (a JSON Lines writer, ``state_at``, a test).
    ``JobState.model`` goes through here too, so there is one projection.
    """

    __slots__ = ("now", "fixed", "code", "schedule", "interval_us", "current", "last",
                 "last_ok", "last_ok_exports", "q", "complete_failures", "escrows_pruned",
                 "steady_first", "steady_last", "synced")

    def __init__(self, job: JobState, now: int) -> None:
        self.now = now
        # (num, id, template id, settings, entitled, expiration): what seldom changes in a
        # job's life, one tuple shared by its views while it does not
        fixed = (job.num, job.id, job.template_id, job.settings, job.entitled, job.expiration)
        if fixed == job.view_fixed:
            fixed = job.view_fixed
        else:
            job.view_fixed = fixed
        self.fixed = fixed
        self.code = job.code
        self.schedule = job.schedule
        self.interval_us = job.interval_us
        self.current = job.current  # began, ends and units never change once it begins
        self.last = job.last
        self.last_ok = job.last_ok
        self.last_ok_exports = job.last_ok_exports
        q = job.q
        self.q = (q.reason, q.series_began, q.current_began, q.count, q.next, q.error) \
            if q is not None else None
        self.complete_failures = job.complete_failures
        self.escrows_pruned = job.escrows_pruned
        self.steady_first = job.steady_first
        self.steady_last = job.steady_last
        self.synced = job.synced  # an immutable tuple, replaced when it changes

    def __eq__(self, other: object) -> bool:
        """Views are equal when their Graph JSON is (used when records are compared)."""
        return type(other) is JobView and self.render() == other.render()

    __hash__ = None  # type: ignore[assignment]

    def render(self) -> dict[str, Any]:
        """The Graph JSON (what a snapshot record's ``data`` is), written directly.

        The same dict as ``model().to_json(include_unknown_enum_members=True)``, five
        times faster: a run writes a snapshot per change, hundreds of thousands of them,
        and parsing this JSON into the model would cost more than building the model.
        So the projection is written twice, side by side here, and
        ``tests/engine/test_job_render.py`` holds the two equal on every snapshot of the
        bundled scenarios and of random call sequences.
        """
        now = self.now
        cur = self.current
        if cur is not None and cur.began <= now:
            began, ends, total = cur.began, cur.ends, cur.units
            done = total if now >= ends else total * (now - began) // max(ends - began, 1)
            progress = [{"completedUnits": done, "progressObservationDateTime": format_us(now),
                         "totalUnits": total, "units": "Objects"}]
        elif self.last is not None:
            units = self.last.units
            progress = [{"completedUnits": units, "progressObservationDateTime": format_us(now),
                         "totalUnits": units, "units": "Objects"}]
        else:
            progress = []
        num, jid, template_id, settings, entitled, expiration = self.fixed
        status: dict[str, Any] = {"code": self.code,
                                  "countSuccessiveCompleteFailures": self.complete_failures,
                                  "escrowsPruned": self.escrows_pruned}
        last, last_ok, last_ok_exports = self.last, self.last_ok, self.last_ok_exports
        if last is not None:
            status["lastExecution"] = last.json(num, entitled)
        if last_ok is not None:
            status["lastSuccessfulExecution"] = last_ok.json(num, entitled)
        if last_ok_exports is not None:
            status["lastSuccessfulExecutionWithExports"] = last_ok_exports.json(num, entitled)
        status["progress"] = progress
        q = self.q
        if q is not None:
            reason, series_began, current_began, count, nxt, error = q
            status["quarantine"] = {
                "currentBegan": format_us(current_began),
                "nextAttempt": format_us(nxt) if nxt is not None else NEVER_TEXT,
                "reason": QuarantineReason[reason].value,
                "seriesBegan": format_us(series_began),
                "seriesCount": count,
                "error": _error_json(error),
            }
        first, latest = self.steady_first, self.steady_last
        status["steadyStateFirstAchievedTime"] = format_us(first) if first is not None \
            else NEVER_TEXT
        status["steadyStateLastAchievedTime"] = format_us(latest) if latest is not None \
            else NEVER_TEXT
        status["synchronizedEntryCountByType"] = [{"key": k, "value": v} for k, v in self.synced]
        if q is not None:
            status["troubleshootingUrl"] = TROUBLESHOOTING_URL
        schedule: dict[str, Any] = {}
        if expiration is not None:
            schedule["expiration"] = format_us(to_us(expiration))
        schedule["interval"] = _interval_text(self.interval_us)
        schedule["state"] = self.schedule
        return {"id": jid, "templateId": template_id, "schedule": schedule, "status": status,
                "synchronizationJobSettings": [{"name": k, "value": v} for k, v in settings]}

    def model(self) -> SynchronizationJob:
        now = self.now
        cur = self.current
        if cur is not None and cur.began <= now:
            began, ends, total = cur.began, cur.ends, cur.units
            span = max(ends - began, 1)
            done = total if now >= ends else total * (now - began) // span
            progress = (SynchronizationProgress(completed_units=done, total_units=total,
                                                units="Objects",
                                                progress_observation_date_time=from_us(now)),)
        elif self.last is not None:
            progress = (SynchronizationProgress(completed_units=self.last.units,
                                                total_units=self.last.units, units="Objects",
                                                progress_observation_date_time=from_us(now)),)
        else:
            progress = ()  # type: ignore[assignment]  # a tuple of 0 or 1 progress entries
        num, jid, template_id, settings, entitled, expiration = self.fixed
        interval_us, escrows_pruned, steady_first = (self.interval_us, self.escrows_pruned,
                                                     self.steady_first)
        quarantine = None
        q = self.q
        if q is not None:
            reason, series_began, current_began, count, nxt, error = q
            quarantine = SynchronizationQuarantine(
                current_began=from_us(current_began),
                next_attempt=from_us(nxt) if nxt is not None else NEVER,
                reason=QuarantineReason[reason],
                series_began=from_us(series_began),
                series_count=count,
                error=SynchronizationError(code=error[0], message=error[1],
                                           tenant_actionable=True),
            )
        status = SynchronizationStatus(
            code=SynchronizationStatusCode(self.code),
            count_successive_complete_failures=self.complete_failures,
            escrows_pruned=escrows_pruned,
            last_execution=self.last.model(num, entitled) if self.last else None,
            last_successful_execution=self.last_ok.model(num, entitled) if self.last_ok else None,
            last_successful_execution_with_exports=(
                self.last_ok_exports.model(num, entitled) if self.last_ok_exports else None),
            progress=progress,
            quarantine=quarantine,
            steady_state_first_achieved_time=(
                from_us(steady_first) if steady_first is not None else NEVER),
            steady_state_last_achieved_time=(
                from_us(self.steady_last) if self.steady_last is not None else NEVER),
            synchronized_entry_count_by_type=tuple(
                StringKeyLongValuePair(key=k, value=v) for k, v in self.synced),
            troubleshooting_url=TROUBLESHOOTING_URL if self.q is not None else None,
        )
        return SynchronizationJob(
            id=jid,
            template_id=template_id,
            schedule=SynchronizationSchedule(
                expiration=expiration,
                interval=NEVER_INTERVAL if interval_us < 0 else parse_duration(
                    interval_us / 1_000_000),
                state=SynchronizationScheduleState(self.schedule),
            ),
            status=status,
            synchronization_job_settings=tuple(KeyValuePair(name=k, value=v)
                                               for k, v in settings),
        )

