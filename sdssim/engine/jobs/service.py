"""The provisioning-job half of the Graph surface: create, read, update, delete, lifecycle."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from ...clock import HORIZON_US, NEVER_INTERVAL, NEVER_INTERVAL_TEXT, duration_us, to_us
from ...errors import BadRequest, ModelError, NotFound
from ...machines import REMOVED
from ...models import (
    SynchronizationJob,
    SynchronizationJobRestartScope,
    SynchronizationSchema,
    parse_reset_scope,
)
from ..bodies import parse_body
from ..config import MAX_OBJECTS
from ..core import Core
from .cycles import CycleRules
from .ondemand import OnDemandCalls
from .state import JobState, Settings
from .steady import SteadyState
from .streams import stream_seed

__all__ = ["JobService"]


class JobService(SteadyState, CycleRules, OnDemandCalls):
    """The provisioning-job half of the Graph surface, over a :class:`Core`.

    Like :class:`~sdssim.engine.profiles.ProfileService`: the calls layer looks a
    job up (:meth:`find`, or :meth:`awake` for a call that changes it) and every
    rule takes the :class:`JobState` it found.
    """

    def __init__(self, core: Core) -> None:
        self.core = core
        self.jobs: dict[str, JobState] = {}
        self.lazy: dict[str, JobState] = {}
        #: each distinct object count (``objects``, and its ``synced`` pairs) held once by
        #: every job with it: jobs replace these, never change them in place
        self.shared: dict[Any, Any] = {}

    def find(self, sp_id: str, jid: str) -> JobState:
        job = self.jobs.get(jid) if isinstance(jid, str) else None
        if job is None or job.sp_id != sp_id:
            raise NotFound(f"The synchronization job '{jid}' was not found for service principal "
                           f"'{sp_id}'.")
        return job

    def list(self, sp_id: str) -> list[JobState]:
        return [j for j in self.jobs.values() if j.sp_id == sp_id]

    # -- create / update / delete -------------------------------------------------------
    def create(self, sp_id: str, body: Mapping[str, object],
               objects: Mapping[str, int] | None) -> JobState:
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
        job = JobState(num, jid, sp_id, model.template_id, settings, self.share(objs),
                       stream=stream_seed(core.seed, num))
        job.interval_us = interval
        self._set_expiration(job, expiration)
        self.jobs[jid] = job
        for machine, attr in JobState.MACHINES.items():
            core.event(job.subject, machine, None, getattr(job, attr), "create", "api: add job")
        core.changed(job)
        return job

    def share(self, objects: dict[str, int]) -> dict[str, int]:
        """``objects``, or the equal mapping (same types in the same order) a job holds."""
        shared: dict[str, int] = self.shared.setdefault(tuple(objects.items()), objects)
        return shared

    @staticmethod
    def _check_settings(settings: Settings) -> None:
        for name, value in settings:
            if name == "QuarantineTooManyDeletesThreshold":
                if not (isinstance(value, str) and value.isascii() and value.isdigit()
                        and len(value) <= 10):
                    raise BadRequest("The job setting QuarantineTooManyDeletesThreshold must be a "
                                     "whole number (at most 10 digits) written as a string.")

    @staticmethod
    def _interval(value: _dt.timedelta) -> int:
        us = duration_us(value)
        if us < 60_000_000:
            raise BadRequest("schedule.interval must be at least one minute.")
        if us > HORIZON_US:
            raise BadRequest("schedule.interval must be at most 100 years (or "
                             f"{NEVER_INTERVAL_TEXT}, never).")
        return us

    @staticmethod
    def _set_expiration(job: JobState, expiration: _dt.datetime | None) -> None:
        job.expiration = expiration
        job.expiration_us = to_us(expiration) if expiration is not None else None

    def update(self, job: JobState, body: Mapping[str, object]) -> None:
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
            job.interval_us = core.config.us("cycle_interval")
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
            job.synced = ()
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
            job.interval_us = core.config.us("cycle_interval")
        self._cancel(job)
        if job.q is not None:
            job.q.next = core.now  # the restart's cycle is the next attempt
        self._schedule_begin(job, core.now)

    def schema(self, job: JobState) -> SynchronizationSchema:
        return SynchronizationSchema(id=job.template_id, directories=tuple(
            {"name": side, "objects": [{"name": t} for t in job.objects]}
            for side in ("Microsoft Entra ID", "Target application")))
