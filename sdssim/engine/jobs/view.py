"""A job's Graph projection as of one instant: the view snapshots keep, its model and JSON.

:class:`JobView` copies the few fields of a :class:`~.state.JobState` that make its
Graph resource at one instant; ``model()`` builds the ``SynchronizationJob`` (what API
reads return) and ``render()`` writes the same resource's JSON directly (what snapshot
records hold), ``execution_json`` the same for one execution.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

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
)

if TYPE_CHECKING:
    from .state import Execution, JobState

__all__ = ["JobView", "TROUBLESHOOTING_URL", "execution_json"]

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


def execution_json(ex: Execution, n: int, entitled: int) -> dict[str, Any]:
    """``ex.model(n, entitled).to_json()``, written directly (see :meth:`JobView.render`)."""
    exported = ex.exported
    out = {
        "activityIdentifier": ex.activity(n),
        "countEntitled": entitled,
        "countEntitledForProvisioning": entitled,
        "countEscrowed": ex.failures,
        "countEscrowedRaw": ex.failures + ex.reference,
        "countExported": exported,
        "countExports": exported,
        "countImported": ex.units,
        "countImportedDeltas": 0 if ex.initial else ex.units,
        "countImportedReferenceDeltas": ex.reference,
        "state": ex.state,
        "timeBegan": format_us(ex.began),
        "timeEnded": format_us(ex.ends),
    }
    if ex.error:
        out["error"] = _error_json(ex.error)
    return out


class JobView:
    """A job's Graph JSON as of one instant, kept compactly and rendered on demand.

    Snapshots hold these instead of JSON: capturing one copies a few references
    (ended :class:`Execution` objects never change again; the quarantine and the
    synchronized counts are copied), and the Graph model and its JSON are built
    only when somebody reads them (a JSON Lines writer, ``state_at``, a test).
    ``JobState.model`` goes through here too: API reads and snapshots share this one
    place, where ``model`` and ``render`` stand side by side.
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
            status["lastExecution"] = execution_json(last, num, entitled)
        if last_ok is not None:
            status["lastSuccessfulExecution"] = execution_json(last_ok, num, entitled)
        if last_ok_exports is not None:
            status["lastSuccessfulExecutionWithExports"] = execution_json(last_ok_exports, num, entitled)
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

