"""Provisioning jobs: cycles on the schedule, quarantine and its escalation, restart scopes.

A stepped job costs two heap events per cycle (begin, end).  The begin event
draws the cycle's duration and outcome from the faults active at that moment;
the end event applies it.

A job in *steady state* (active, healthy, nothing pending, no fault that can
reach it, cycles shorter than the interval) is not stepped at all: cycle
``k`` begins at ``anchor + k * interval`` and its draws come from the job's
own counter-based random stream, so any cycle can be computed in O(1) when
the job is observed.  An API call on the job, or the start of a fault that
can reach it, *wakes* it back into stepped mode at exactly the state the
stepped run would have had.  Cost grows with observable changes, not cycles.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ..clock import (
    HORIZON_US,
    NEVER,
    NEVER_INTERVAL,
    NEVER_INTERVAL_TEXT,
    duration_us,
    format_timestamp,
    from_us,
    parse_duration,
    to_us,
)
from ..errors import BadRequest, ModelError, NotFound, Throttled
from ..machines import REMOVED
from ..models import (
    KeyValuePair,
    QuarantineReason,
    StringKeyLongValuePair,
    StringKeyStringValuePair,
    SynchronizationError,
    SynchronizationJob,
    SynchronizationJobRestartScope,
    SynchronizationProgress,
    SynchronizationQuarantine,
    SynchronizationSchedule,
    SynchronizationScheduleState,
    SynchronizationSchema,
    SynchronizationStatus,
    SynchronizationStatusCode,
    SynchronizationTaskExecution,
    SynchronizationTaskExecutionResult,
    parse_reset_scope,
)
from .bodies import parse_body
from .config import MAX_CYCLE_US, MAX_OBJECTS
from .core import Core, Subject
from .scheduler import WAKE

__all__ = ["JobState", "JobService"]

US_MIN = 60_000_000
US_S = 1_000_000
_COMPLETE_FAILURES = {
    "credential_failure": ("CredentialsInvalid",
                           "The administrator credentials are invalid or expired."),
    "endpoint_down": ("HttpEndpointUnavailable",
                      "The target application's endpoint could not be reached."),
}
_ESCROW_FAILURE = ("EntryLevelErrors", "Entries failed to provision and were escrowed.")
_PRUNED = ("EscrowsPruned", "The initial cycle reached the escrow threshold: its escrows were "
           "cleared and the job paused once the cycle completed.")
#: Where a quarantined job's status points (Microsoft's page on provisioning quarantine).
TROUBLESHOOTING_URL = ("https://learn.microsoft.com/entra/identity/app-provisioning/"
                       "application-provisioning-quarantine-status")
_DELETES = ("TooManyDeletes", "The cycle would delete more objects than the threshold allows.")
#: fault kinds that change what a job's cycle does
JOB_FAULTS = ("credential_failure", "endpoint_down", "throttling", "entry_failures",
              "mass_deletes", "replica_unavailable", "quarantine")
#: The most subjects one provisionOnDemand request may name (sdssim's bound).
MAX_ON_DEMAND = 5
_M64 = (1 << 64) - 1
_INV64 = 1.0 / (1 << 64)


def _mix(x: int) -> int:
    """splitmix64: a counter-based generator, so draw ``k`` needs no draws before it."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def stream_seed(seed: int, num: int) -> int:
    """The base of job ``num``'s random stream in a simulation seeded with ``seed``."""
    return _mix((seed & _M64) * 0x100000001B3 + num)


def draw(base: int, cycle: int, slot: int) -> float:
    """Uniform [0, 1) draw ``slot`` of cycle ``cycle`` of the stream ``base``."""
    return _mix(base + cycle * 2 + slot) * _INV64


class Execution:
    """One cycle: its plan (drawn at begin) and, once ended, its figures."""

    __slots__ = ("num", "began", "ends", "initial", "units", "failures", "reference",
                 "deletes", "complete", "state", "error", "exported")

    def __init__(self, num: int, began: int, ends: int, initial: bool, units: int,
                 failures: int, reference: int, deletes: int, complete: tuple | None) -> None:
        self.num = num
        self.began = began
        self.ends = ends
        self.initial = initial
        self.units = units
        self.failures = failures
        self.reference = reference
        self.deletes = deletes
        self.complete = complete
        self.state = "Succeeded"
        self.error: tuple[str, str] | None = None
        self.exported = 0

    def model(self, job: JobState, entitled: int) -> SynchronizationTaskExecution:
        n = job.num
        return SynchronizationTaskExecution(
            activity_identifier=f"{n:08x}-{(self.num >> 16) & 0xFFFF:04x}-4000-8000-{self.num & 0xFFFFFFFFFFFF:012x}",
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
        "id", "sp_id", "template_id", "settings", "objects", "code", "schedule", "quarantine",
        "interval_us", "expiration", "expiration_us", "pod_times", "initial_done", "force_full", "force_deletes", "escrowed",
        "escrows_pruned", "complete_failures", "current", "last", "last_ok", "last_ok_exports",
        "q_reason", "q_series_began", "q_current_began", "q_count", "q_next", "q_error",
        "steady_first", "steady_last", "synced", "cycles", "pending_deletes",
        "stream", "lazy", "lz_anchor", "lz_first",
    )
    MACHINES = {"job": "code", "schedule": "schedule", "quarantine": "quarantine"}

    def __init__(self, num: int, jid: str, sp_id: str, template_id: str,
                 settings: tuple, objects: dict[str, int], stream: int = 0) -> None:
        self.num = num
        self.stream = stream
        self.lazy = False
        self.lz_anchor = 0  # begin time of cycle ``lz_first``
        self.lz_first = 0
        self.id = jid
        self.subject = f"job/{jid}"
        self.gen = 0
        self.sp_id = sp_id
        self.template_id = template_id
        self.settings = settings
        self.objects = dict(objects)
        self.code = "NotConfigured"
        self.schedule = "Disabled"
        self.quarantine = "healthy"
        self.interval_us = -1  # TimeSpan.MaxValue until started
        self.expiration = None
        self.expiration_us: int | None = None
        #: times of the provisionOnDemand requests admitted in the current window
        self.pod_times: list[int] = []
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
        self.q_reason: str | None = None
        self.q_series_began = 0
        self.q_current_began = 0
        self.q_count = 0
        self.q_next: int | None = None
        self.q_error: tuple[str, str] | None = None
        self.steady_first: int | None = None
        self.steady_last: int | None = None
        self.synced: dict[str, int] = {}
        self.cycles = 0
        self.pending_deletes = 0

    @property
    def entitled(self) -> int:
        return sum(self.objects.values())

    def setting(self, name: str) -> str | None:
        for k, v in self.settings:
            if k == name:
                return v
        return None

    def model(self, now: int) -> SynchronizationJob:
        cur = self.current
        if cur is not None and cur.began <= now:
            total = cur.units
            span = max(cur.ends - cur.began, 1)
            done = total if now >= cur.ends else total * (now - cur.began) // span
            progress = (SynchronizationProgress(completed_units=done, total_units=total,
                                                units="Objects",
                                                progress_observation_date_time=from_us(now)),)
        elif self.last is not None:
            progress = (SynchronizationProgress(completed_units=self.last.units,
                                                total_units=self.last.units, units="Objects",
                                                progress_observation_date_time=from_us(now)),)
        else:
            progress = ()
        entitled = self.entitled
        quarantine = None
        if self.q_reason is not None:
            quarantine = SynchronizationQuarantine(
                current_began=from_us(self.q_current_began),
                next_attempt=from_us(self.q_next) if self.q_next is not None else NEVER,
                reason=QuarantineReason[self.q_reason],
                series_began=from_us(self.q_series_began),
                series_count=self.q_count,
                error=(SynchronizationError(code=self.q_error[0], message=self.q_error[1],
                                            tenant_actionable=True) if self.q_error else None),
            )
        status = SynchronizationStatus(
            code=SynchronizationStatusCode(self.code),
            count_successive_complete_failures=self.complete_failures,
            escrows_pruned=self.escrows_pruned,
            last_execution=self.last.model(self, entitled) if self.last else None,
            last_successful_execution=self.last_ok.model(self, entitled) if self.last_ok else None,
            last_successful_execution_with_exports=(
                self.last_ok_exports.model(self, entitled) if self.last_ok_exports else None),
            progress=progress,
            quarantine=quarantine,
            steady_state_first_achieved_time=(
                from_us(self.steady_first) if self.steady_first is not None else NEVER),
            steady_state_last_achieved_time=(
                from_us(self.steady_last) if self.steady_last is not None else NEVER),
            synchronized_entry_count_by_type=tuple(
                StringKeyLongValuePair(key=k, value=v) for k, v in self.synced.items()),
            troubleshooting_url=TROUBLESHOOTING_URL if self.q_reason is not None else None,
        )
        return SynchronizationJob(
            id=self.id,
            template_id=self.template_id,
            schedule=SynchronizationSchedule(
                expiration=self.expiration,
                interval=NEVER_INTERVAL if self.interval_us < 0 else parse_duration(
                    self.interval_us / 1_000_000),
                state=SynchronizationScheduleState(self.schedule),
            ),
            status=status,
            synchronization_job_settings=tuple(KeyValuePair(name=k, value=v)
                                               for k, v in self.settings),
        )

    def snapshots(self, core: Core) -> list[tuple[str, dict]]:
        if self.lazy:  # taken right after an event: same-time cycle begins have not run yet
            settle(self, core, core.now, inclusive=False)
        return [("job", self.model(core.now).to_json(include_unknown_enum_members=True))]


def incremental(job: JobState, k: int, cfg) -> tuple[int, int]:
    """Duration (us) and units of incremental cycle ``k``, from the job's own stream."""
    lo, hi = cfg.incremental_minutes
    dur = round((lo + (hi - lo) * draw(job.stream, k, 0)) * 60) * US_S
    units = int(job.entitled * cfg.incremental_change_rate * (0.5 + draw(job.stream, k, 1)))
    return dur, units


def _lazy_execution(job: JobState, k: int, cfg) -> Execution:
    began = job.lz_anchor + (k - job.lz_first) * job.interval_us
    dur, units = incremental(job, k, cfg)
    ex = Execution(k, began, began + dur, False, units, 0, 0, 0, None)
    ex.exported = units
    return ex


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


class JobService:
    """The provisioning-job half of the Graph surface, over a :class:`Core`."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.jobs: dict[str, JobState] = {}
        self.lazy: dict[str, JobState] = {}

    # -- lazy steady state --------------------------------------------------------------
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
        job, _ = arg
        if job.gen >= 0:
            self.wake(job, inclusive=False)

    def fault_added(self, target: str | None, kind: str, start_us: int) -> None:
        """A fault that can reach jobs was scheduled: wake the lazy jobs it reaches."""
        if kind not in JOB_FAULTS or not self.lazy:
            return
        if target is None:
            jobs = list(self.lazy.values())
        else:
            job = self.lazy.get(target.removeprefix("job/")) if target.startswith("job/") else None
            jobs = [job] if job is not None else []
        core = self.core
        for job in jobs:
            if start_us <= core.now:
                self.wake(job, inclusive=True)
            else:
                core.at(start_us, self._wake_event, (job, job.gen), priority=WAKE, subject=job.num)

    def _can_sleep(self, job: JobState, t: int) -> bool:
        cfg = self.core.config
        if not cfg.lazy_steady_state or job.code != "Active" or job.schedule != "Active":
            return False
        if job.quarantine != "healthy" or job.force_full or job.pending_deletes:
            return False
        if job.expiration_us is not None:
            return False
        if round(cfg.incremental_minutes[1] * 60) * US_S >= job.interval_us:
            return False
        return not self.core.faults.pending(JOB_FAULTS, job.subject, t)

    def find(self, sp_id: str, jid: str) -> JobState:
        job = self.jobs.get(jid) if isinstance(jid, str) else None
        if job is None or job.sp_id != sp_id:
            raise NotFound(f"The synchronization job '{jid}' was not found for service principal "
                           f"'{sp_id}'.")
        return job

    def list(self, sp_id: str) -> list[JobState]:
        return [j for j in self.jobs.values() if j.sp_id == sp_id]

    # -- create / update / delete -------------------------------------------------------
    def create(self, sp_id: str, body: Mapping, objects: Mapping[str, int] | None) -> JobState:
        if not isinstance(sp_id, str) or not sp_id:
            raise BadRequest("A service principal id is required.")
        model = parse_body(SynchronizationJob, body, "synchronizationJob")
        if not model.template_id:
            raise BadRequest("The property 'templateId' is required.")
        if model.status is not None:
            raise BadRequest("The property 'status' is read-only.")
        if objects is not None and not isinstance(objects, Mapping):
            raise BadRequest("objects must map object type names to non-negative counts.")
        objs = dict(objects) if objects is not None else dict(self.core.config.default_objects)
        for k, v in objs.items():
            if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, int) \
                    or not 0 <= v <= MAX_OBJECTS:
                raise BadRequest(f"objects must map object type names to counts from 0 to "
                                 f"{MAX_OBJECTS:,}.")
        if sum(objs.values()) > MAX_OBJECTS:
            raise BadRequest(f"A job holds at most {MAX_OBJECTS:,} objects.")
        settings = tuple((kv.name, kv.value) for kv in model.synchronization_job_settings or ())
        self._check_settings(settings)
        interval = -1
        expiration = None
        if model.schedule is not None:
            if model.schedule.interval is not None and model.schedule.interval != NEVER_INTERVAL:
                interval = self._interval(model.schedule.interval)
            expiration = model.schedule.expiration
        core = self.core
        h = f"{core.rng.getrandbits(128):032x}"
        jid = f"{model.template_id}.{h[:16]}.{h[16:]}"
        num = core.new_number()
        job = JobState(num, jid, sp_id, model.template_id, settings, objs,
                       stream=stream_seed(core.seed, num))
        job.interval_us = interval
        self._set_expiration(job, expiration)
        self.jobs[jid] = job
        for machine, attr in JobState.MACHINES.items():
            core.event(job.subject, machine, None, getattr(job, attr), "create", "api: add job")
        core.changed(job)
        return job

    @staticmethod
    def _check_settings(settings: tuple) -> None:
        for name, value in settings:
            if name == "QuarantineTooManyDeletesThreshold":
                if not (isinstance(value, str) and value.isascii() and value.isdigit()
                        and len(value) <= 10):
                    raise BadRequest("The job setting QuarantineTooManyDeletesThreshold must be a "
                                     "whole number (at most 10 digits) written as a string.")

    @staticmethod
    def _interval(value) -> int:
        us = duration_us(value)
        if us < 60_000_000:
            raise BadRequest("schedule.interval must be at least one minute.")
        if us > HORIZON_US:
            raise BadRequest("schedule.interval must be at most 100 years (or "
                             f"{NEVER_INTERVAL_TEXT}, never).")
        return us

    @staticmethod
    def _set_expiration(job: JobState, expiration) -> None:
        job.expiration = expiration
        job.expiration_us = to_us(expiration) if expiration is not None else None

    def update(self, job: JobState, body: Mapping) -> None:
        if not isinstance(body, Mapping):
            raise BadRequest("The request body must be a JSON object.")
        allowed = {"schedule", "synchronizationJobSettings", "templateId", "id"}
        for key in body:
            if not isinstance(key, str) or (not key.startswith("@odata.")
                                            and key not in allowed):
                raise BadRequest(f"The property '{key}' cannot be updated.")
        if "templateId" in body and body["templateId"] != job.template_id:
            raise BadRequest("The property 'templateId' cannot be changed.")
        if "id" in body and body["id"] != job.id:
            raise BadRequest("The property 'id' cannot be changed.")
        model = parse_body(
            SynchronizationJob,
            {k: v for k, v in body.items() if k in ("schedule", "synchronizationJobSettings")},
            "synchronizationJob")
        # Validate everything first: a refused update changes nothing.
        interval = expiration = settings = None
        if model.schedule is not None:
            if model.schedule.state is not None and model.schedule.state.value != job.schedule:
                raise BadRequest("schedule.state is changed by start, pause and stop, not PATCH.")
            if model.schedule.interval is not None:
                interval = (-1 if model.schedule.interval == NEVER_INTERVAL
                            else self._interval(model.schedule.interval))
            expiration = model.schedule.expiration
        if model.synchronization_job_settings is not None:
            settings = tuple((kv.name, kv.value) for kv in model.synchronization_job_settings)
            self._check_settings(settings)
        self.wake(job)
        if interval is not None:
            job.interval_us = interval
            if interval < 0 and job.schedule == "Active":
                # TimeSpan.MaxValue: "not scheduled"; no further cycle begins.
                self._cancel_next(job)
        if expiration is not None:
            self._set_expiration(job, expiration)
        if settings is not None:
            job.settings = settings
        self.core.changed(job)

    def delete(self, job: JobState) -> None:
        core = self.core
        core.event(job.subject, "job", job.code, REMOVED, "delete", "api: delete job")
        job.gen = -1
        job.lazy = False
        self.lazy.pop(job.id, None)
        del self.jobs[job.id]

    # -- lifecycle calls ------------------------------------------------------------------
    def _check(self, job: JobState, *pairs: tuple[str, str]) -> None:
        """Refuse (409) before anything changes unless every ``(machine, trigger)`` is allowed
        from the job's current states."""
        for machine, trigger in pairs:
            self.core.check_api(job, machine, trigger)

    def start(self, job: JobState) -> None:
        core = self.core
        quarantined = job.quarantine != "healthy"
        checks = [("job", "start"), ("schedule", "start")]
        if quarantined:
            checks.append(("quarantine", "start"))
        self._check(job, *checks)
        self.wake(job)
        if quarantined:
            core.fire(job, "quarantine", "start", "api: start lifts the quarantine")
            self._clear_quarantine(job)
        running = job.code == "Active" and job.schedule == "Active"
        core.fire(job, "job", "start", "api: start job")
        core.fire(job, "schedule", "start", "api: start job")
        if job.interval_us < 0:
            job.interval_us = duration_us(core.config.cycle_interval)
        if not running:
            self._schedule_begin(job, core.now)

    def pause(self, job: JobState) -> None:
        core = self.core
        disabled = job.schedule == "Disabled"
        self._check(job, ("job", "pause"), *(() if disabled else (("schedule", "pause"),)))
        self.wake(job)
        core.fire(job, "job", "pause", "api: pause job")
        if not disabled:
            core.fire(job, "schedule", "pause", "api: pause job")
        self._cancel(job)

    def stop(self, job: JobState) -> None:
        core = self.core
        self._check(job, ("job", "stop"), ("schedule", "stop"))
        self.wake(job)
        core.fire(job, "job", "stop", "api: stop job")
        core.fire(job, "schedule", "stop", "api: stop job")
        self._cancel(job)

    def apply(self, job: JobState) -> None:
        if job.code == "NotConfigured":
            self.core.fire_api(job, "job", "apply", "api: apply the job's configuration")
        else:
            self.core.changed(job)

    def validate_credentials(self, job: JobState) -> None:
        core = self.core
        if core.faults.active("credential_failure", job.subject, core.now):
            raise BadRequest("The supplied credentials could not be validated against the target.",
                             code="CredentialValidationFailed")
        if job.code == "NotConfigured":
            core.fire_api(job, "job", "validate_credentials_succeeded",
                          "api: credentials validated")

    def validate_new_credentials(self, sp_id: str, body: object) -> None:
        """``POST …/jobs/validateCredentials``: credentials for a job not yet created."""
        if not isinstance(sp_id, str) or not sp_id:
            raise BadRequest("A service principal id is required.")
        if not isinstance(body, Mapping):
            raise BadRequest("The request body must be a JSON object.")
        known = {"applicationIdentifier", "templateId", "useSavedCredentials", "credentials"}
        for key in body:
            if not isinstance(key, str) or (key not in known and "@odata." not in key):
                raise BadRequest(f"Invalid value for property '{key}': not a parameter of "
                                 "validateCredentials.")
        for key in ("applicationIdentifier", "templateId"):
            if key in body and not isinstance(body[key], str):
                raise BadRequest(f"Invalid value for property '{key}': expected a string.")
        saved = body.get("useSavedCredentials", False)
        if not isinstance(saved, bool):
            raise BadRequest("Invalid value for property 'useSavedCredentials': expected a "
                             "boolean.")
        creds = body.get("credentials", [])
        if not isinstance(creds, list) or not all(
                isinstance(c, Mapping) and isinstance(c.get("key"), str)
                and isinstance(c.get("value"), str) for c in creds):
            raise BadRequest("Invalid value for property 'credentials': expected a list of "
                             "{key, value} string pairs.")
        if not saved and not creds:
            raise BadRequest("Credentials are required unless useSavedCredentials is true.",
                             code="CredentialValidationFailed")
        core = self.core
        for fault in core.faults.aimed_at("credential_failure", f"servicePrincipal/{sp_id}"):
            if fault.active(f"servicePrincipal/{sp_id}", core.now):
                raise BadRequest("The supplied credentials could not be validated against the "
                                 "target.", code="CredentialValidationFailed")

    def provision_on_demand(self, job: JobState, body: object, *, rate_limit: bool = True
                            ) -> StringKeyStringValuePair:
        """``POST …/jobs/{id}/provisionOnDemand``: provision the named objects at once.

        Graph allows 5 requests per 10 seconds (configurable); a sixth is refused with 429 and
        the whole seconds until a slot frees. ``rate_limit=False`` leaves that to the caller
        (the HTTP server counts it in wall seconds, which a client's ``Retry-After`` sleeps in).
        """
        subjects = self._on_demand_subjects(job, body)
        core = self.core
        cfg = core.config
        now = core.now
        window = duration_us(cfg.provision_on_demand_window)
        recent = [t for t in job.pod_times if t > now - window]
        if rate_limit and len(recent) >= cfg.provision_on_demand_requests:
            wait = -(-(recent[0] + window - now) // US_S)
            raise Throttled(f"Too many provisionOnDemand requests; retry after {wait} seconds.",
                            retry_after=max(1, wait))
        if job.code == "NotConfigured":
            raise BadRequest("The job is not configured: apply or validate its credentials "
                             "first.", code="JobNotConfigured")
        failure = None
        for kind, err in _COMPLETE_FAILURES.items():
            if core.faults.active(kind, job.subject, now):
                failure = err
                break
        job.pod_times = [*recent, now]
        steps = []
        for sid, stype in subjects:
            steps.append({
                "objectId": sid, "objectTypeName": stype,
                "status": "failure" if failure else "success",
                "statusDetails": failure[1] if failure else
                f"The {stype} was provisioned to the target application.",
                "errorCode": failure[0] if failure else None,
                "timestamp": format_timestamp(from_us(now)),
            })
        core.event(job.subject, "job", job.code, job.code, "provision_on_demand",
                   f"api: provision {len(subjects)} object(s) on demand"
                   + (f" failed ({failure[0]})" if failure else ""))
        return StringKeyStringValuePair(key="provisioningSteps", value=json.dumps(
            steps, separators=(",", ":"), sort_keys=True))

    @staticmethod
    def _on_demand_subjects(job: JobState, body: object) -> list[tuple[str, str]]:
        if not isinstance(body, Mapping):
            raise BadRequest("The request body must be a JSON object.")
        params = body.get("parameters")
        if not isinstance(params, list) or not params:
            raise BadRequest("Invalid value for property 'parameters': expected a non-empty "
                             "list of synchronizationJobApplicationParameters.")
        out: list[tuple[str, str]] = []
        for p in params:
            subs = p.get("subjects") if isinstance(p, Mapping) else None
            if not isinstance(subs, list) or not subs:
                raise BadRequest("Each parameter needs a non-empty 'subjects' list.")
            for sub in subs:
                if not (isinstance(sub, Mapping) and isinstance(sub.get("objectId"), str)
                        and sub["objectId"] and isinstance(sub.get("objectTypeName"), str)):
                    raise BadRequest("Each subject needs 'objectId' and 'objectTypeName' "
                                     "strings.")
                if sub["objectTypeName"] not in job.objects:
                    raise BadRequest(f"The object type '{sub['objectTypeName']}' is not in the "
                                     f"job's schema ({', '.join(job.objects) or 'none'}).")
                out.append((sub["objectId"], sub["objectTypeName"]))
        if len(out) > MAX_ON_DEMAND:
            raise BadRequest(f"At most {MAX_ON_DEMAND} subjects can be provisioned on demand "
                             "in one request.")
        return out

    def restart(self, job: JobState, reset_scope: object) -> None:
        core = self.core
        if reset_scope is not None and not isinstance(reset_scope, str):
            raise BadRequest("Invalid resetScope: expected a comma-separated string of "
                             "synchronizationJobRestartScope flags.")
        try:
            scope = parse_reset_scope(reset_scope if reset_scope is not None else "")
        except ModelError as exc:
            raise BadRequest(f"Invalid resetScope: {exc.message}") from exc
        flags = SynchronizationJobRestartScope
        lift = bool(scope & flags.QuarantineState) and job.quarantine != "healthy"
        keeps_quarantine = job.quarantine != "healthy" and not lift
        trigger = "restart_quarantined" if keeps_quarantine else "restart"
        checks = [("schedule", "restart")]
        if lift:
            checks.append(("quarantine", "restart_quarantine_state"))
            if job.code == "Quarantine":
                checks.append(("job", "lift_quarantine"))
        else:
            checks.append(("job", trigger))
        if keeps_quarantine and job.quarantine == "disabled":
            checks.append(("quarantine", "restart"))
        self._check(job, *checks)
        self.wake(job)
        if scope & flags.ConnectorDataStore:
            job.synced.clear()
            job.initial_done = False
        if scope & flags.Escrows:
            job.escrowed = 0
            job.escrows_pruned = False
        # Whatever the scope, a restart reprocesses every object (Graph: "forcing it to
        # reprocess all the objects in the directory"); the scope says what is cleared first.
        job.force_full = True
        if scope & flags.ForceDeletes:
            job.force_deletes = True
        why = f"api: restart job (resetScope {reset_scope!r})"
        if lift:
            core.fire(job, "quarantine", "restart_quarantine_state",
                      "api: restart with QuarantineState lifts the quarantine")
            if job.code == "Quarantine":  # a job paused while quarantined stays as it is here
                core.fire(job, "job", "lift_quarantine",
                          "api: restart with QuarantineState lifts the quarantine")
            self._clear_quarantine(job)
        elif keeps_quarantine and job.quarantine == "disabled":
            core.fire(job, "quarantine", "restart",
                      "api: restart resumes the disabled quarantine's daily retries")
        core.fire(job, "job", trigger, why)
        core.fire(job, "schedule", "restart", "api: restart job")
        if job.interval_us < 0:
            job.interval_us = duration_us(core.config.cycle_interval)
        self._cancel(job)
        if job.q_reason is not None:
            job.q_next = core.now  # the restart's cycle is the next attempt
        self._schedule_begin(job, core.now)

    def schema(self, job: JobState) -> SynchronizationSchema:
        return SynchronizationSchema(id=job.template_id, directories=tuple(
            {"name": side, "objects": [{"name": t} for t in job.objects]}
            for side in ("Microsoft Entra ID", "Target application")))

    # -- cycles -------------------------------------------------------------------------------
    def _cancel(self, job: JobState) -> None:
        """No cycle runs or is due any more (pause, stop): no next attempt either."""
        job.gen += 1
        job.current = None
        job.q_next = None

    def _cancel_next(self, job: JobState) -> None:
        """No further cycle begins; a running cycle still ends (interval set to "never")."""
        job.gen += 1
        job.q_next = None
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
        subject = job.subject
        initial = not job.initial_done or job.force_full
        entitled = job.entitled
        complete = None
        for kind, err in _COMPLETE_FAILURES.items():
            if faults.has(kind) and faults.active(kind, subject, t):
                complete = err
                break
        if complete is None and faults.has("quarantine"):
            f = faults.active("quarantine", subject, t)
            if f:
                complete = (f.params["reason"], f"Quarantined: {f.params['reason']} (injected).")
        job.cycles += 1
        if complete is not None:
            ex = Execution(job.cycles, t, t, initial, 0, 0, 0, 0, complete)
        else:
            if initial:
                lo, hi = cfg.initial_minutes_per_object
                dur = round(entitled * (lo + (hi - lo) * draw(job.stream, job.cycles, 0)) * 60) * US_S
                units = entitled
            else:
                dur, units = incremental(job, job.cycles, cfg)
            failures = reference = deletes = 0
            if faults.faults:
                f = faults.active("throttling", subject, t)
                if f:
                    dur = round(dur * f.params["slowdown"] / US_S) * US_S
                f = faults.active("entry_failures", subject, t)
                if f:
                    k = f.params["count"] if f.params["count"] is not None \
                        else round(f.params["rate"] * units)
                    k = min(k, units)
                    if f.params["reference"]:
                        reference = k
                    else:
                        failures = k
                f = faults.active("replica_unavailable", subject, t)
                if f:
                    failures = min(units - reference, failures + round(f.params["rate"] * units))
                f = faults.take_once("mass_deletes", subject, t) if faults.has("mass_deletes") \
                    else None
                if f:
                    job.pending_deletes = min(job.pending_deletes + f.params["count"],
                                              MAX_OBJECTS)
            deletes = job.pending_deletes
            dur = min(dur, MAX_CYCLE_US)
            ex = Execution(job.cycles, t, t + dur, initial, units + deletes, failures, reference,
                           deletes, None)
        job.current = ex
        core.at(ex.ends, self._end, (job, gen, ex), subject=job.num)

    def _expire(self, job: JobState) -> None:
        """``schedule.expiration`` has passed: the schedule is disabled, no cycle begins."""
        core = self.core
        job.gen += 1
        job.current = None
        job.q_next = None
        if job.schedule == "Active":
            core.fire(job, "schedule", "expire",
                      f"rule: the schedule expired at {format_timestamp(job.expiration)}")
        else:
            core.changed(job)

    def _end(self, arg: tuple[JobState, int, Execution]) -> None:
        job, gen, ex = arg
        if gen != job.gen:
            return
        core = self.core
        cfg = core.config
        t = core.sched.now
        job.current = None
        job.last = ex
        if ex.complete is not None:
            ex.state = "Failed"
            ex.error = ex.complete
            core.error(job.subject, "synchronizationError",
                       {"code": ex.error[0], "message": ex.error[1], "tenantActionable": True})
            if ex.error[0] in QuarantineReason.__members__:
                self._quarantine(job, ex.error[0], ex.error, f"fault: quarantine ({ex.error[0]})")
                return
            job.complete_failures += 1
            self._quarantine(job, "EncounteredQuarantineException", ex.error,
                             f"fault: {ex.error[0]}: every call to the target failed")
            return
        job.complete_failures = 0
        threshold_text = job.setting("QuarantineTooManyDeletesThreshold")
        threshold = int(threshold_text) if threshold_text else cfg.too_many_deletes_threshold
        if ex.deletes > threshold and not job.force_deletes:
            ex.state = "Failed"
            ex.error = _DELETES
            core.error(job.subject, "synchronizationError",
                       {"code": _DELETES[0], "message": _DELETES[1], "tenantActionable": True})
            self._quarantine(job, "TooManyDeletes", _DELETES,
                             f"rule: {ex.deletes:,} deletions in one cycle, above the threshold "
                             f"of {threshold:,}")
            return
        if ex.deletes:
            self._apply_deletes(job, ex.deletes)
            job.pending_deletes = 0
            job.force_deletes = False
        failures = ex.failures
        units = ex.units
        first_sync = not job.initial_done
        # Escrows are retried every cycle: a full cycle re-escrows from scratch.
        job.escrowed = min(failures if ex.initial else job.escrowed + failures,
                           MAX_OBJECTS)
        ex.exported = units - failures - ex.reference
        if ex.exported:
            job.last_ok_exports = ex  # "the last execution that exported objects"
        if failures or ex.reference:
            ex.state = "EntryLevelErrors"
        escrow_rule = self._escrow_rule(job, failures, units, ex.initial)
        if escrow_rule is not None and first_sync and job.code == "Active":
            self._prune(job, ex, t, escrow_rule[1])
            return
        if escrow_rule is not None:
            reason, why = escrow_rule
            ex.error = _ESCROW_FAILURE
            core.error(job.subject, "synchronizationError",
                       {"code": _ESCROW_FAILURE[0], "message": _ESCROW_FAILURE[1],
                        "tenantActionable": True})
            self._quarantine(job, reason, _ESCROW_FAILURE, f"rule: {why}")
            return
        # The cycle succeeded (possibly with entry-level errors below the thresholds).
        if ex.initial:
            self._initial_done(job, t)
        job.steady_last = t
        if ex.state == "Succeeded":
            job.last_ok = ex  # "the last execution which didn't have any errors"
        if job.quarantine != "healthy":
            core.fire(job, "quarantine", "retry_succeeded",
                      "rule: the retry succeeded, lifting the quarantine")
            core.fire(job, "job", "lift_quarantine", "rule: the retry succeeded")
            self._clear_quarantine(job)
        if job.interval_us < 0:  # the interval was set to "never": nothing more is scheduled
            job.gen += 1
            return
        nxt = max(ex.began + job.interval_us, t)
        job.gen += 1
        if self._can_sleep(job, t):
            job.lazy = True
            job.lz_anchor = nxt
            job.lz_first = job.cycles + 1
            self.lazy[job.id] = job
            return
        core.at(nxt, self._begin, (job, job.gen), subject=job.num)

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
        ex.error = _PRUNED
        self._initial_done(job, t)
        core.fire(job, "job", "escrows_pruned",
                  f"rule: {why} during the initial cycle: escrows pruned")
        core.fire(job, "schedule", "escrows_pruned", "rule: the job pauses after pruning")
        job.gen += 1

    def _initial_done(self, job: JobState, t: int) -> None:
        job.synced = {k: v for k, v in job.objects.items()}
        if not job.initial_done or job.steady_first is None:
            job.steady_first = t
        job.initial_done = True
        job.force_full = False
        self.core.changed(job)

    def _apply_deletes(self, job: JobState, deletes: int) -> None:
        for k in list(job.objects):
            take = min(job.objects[k], deletes)
            job.objects[k] -= take
            if k in job.synced:
                job.synced[k] = max(job.synced[k] - take, 0)
            deletes -= take
            if not deletes:
                break
        self.core.changed(job)

    def _clear_quarantine(self, job: JobState) -> None:
        job.q_reason = None
        job.q_next = None
        job.q_count = 0
        job.q_error = None
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
        if job.quarantine == "healthy":
            job.q_series_began = t
            job.q_count = 0
        else:
            job.q_count += 1
        job.q_current_began = t
        job.q_reason = reason
        job.q_error = error
        elapsed = t - job.q_series_began
        disable_us = duration_us(cfg.quarantine_disable_after)
        if job.quarantine != "healthy" and elapsed >= disable_us:
            while job.quarantine != "daily":
                core.fire(job, "quarantine", "cycle_failed", cause)
            core.fire(job, "quarantine", "series_expired",
                      f"rule: still failing {cfg.quarantine_disable_after.in_words()} after the "
                      f"quarantine began; the job is disabled")
            core.fire(job, "job", "quarantine", cause)
            if job.schedule == "Active":
                core.fire(job, "schedule", "disable", "rule: quarantined for 28 days or more")
            job.q_next = None
            job.gen += 1
            return
        core.fire(job, "quarantine", "cycle_failed", cause)
        core.fire(job, "job", "quarantine", f"{cause}; quarantined ({reason})")
        offsets = [duration_us(d) for d in cfg.quarantine_retries]
        k = job.q_count + 1
        if k <= len(offsets):
            offset = offsets[k - 1]
        else:
            offset = offsets[-1] + (k - len(offsets)) * duration_us(cfg.quarantine_retry_every)
        job.gen += 1
        if job.interval_us < 0:  # "never" interval: the quarantine stays, nothing is retried
            job.q_next = None
            return
        # A long attempt can end after its successor's offset: the next one is then at once.
        job.q_next = max(job.q_series_began + offset, t)
        core.at(job.q_next, self._begin, (job, job.gen), subject=job.num)
