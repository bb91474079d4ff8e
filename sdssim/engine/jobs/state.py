"""The engine's mutable state of one provisioning job (its Graph projection: ``view``)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ...clock import (
    from_us,
)
from ...models import (
    SynchronizationError,
    SynchronizationJob,
    SynchronizationTaskExecution,
    SynchronizationTaskExecutionResult,
)
from ..core import Core, Subject
from ..records import View
from ..subjects import job_subject
from .view import JobView

__all__ = ["Execution", "JobState", "QuarantineSeries", "Settings"]

#: A job's ``synchronizationJobSettings`` as ``(name, value)`` pairs, in order.
Settings = tuple[tuple[str | None, str | None], ...]

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
