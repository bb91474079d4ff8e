"""The :class:`Simulation` facade: virtual time plus a Python mirror of the Graph methods."""

from __future__ import annotations

import heapq
import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pendulum

from ..clock import duration_us, from_us, parse_timestamp, to_us
from ..errors import BadRequest, Throttled
from ..models import (
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileStatus,
    SynchronizationJob,
    SynchronizationSchema,
    VerificationMessage,
)
from .config import SimConfig
from .core import Core
from .faults import Fault
from .jobs import JobService
from .profiles import ProfileService
from .records import ErrorRecord, EventRecord, Record, SnapshotRecord

__all__ = ["Simulation"]


def _api(method):
    """Wrap a Graph-mirroring method: throttle faults first, snapshots after (even on error)."""

    def call(self: Simulation, *args: Any, **kwargs: Any):
        core = self._core
        retry_after = core.faults.take_request(core.now)
        if retry_after is not None:
            raise Throttled(f"Too many requests; retry after {retry_after} seconds.",
                            retry_after=retry_after)
        try:
            return method(self, *args, **kwargs)
        finally:
            core.flush()

    call.__name__ = method.__name__
    call.__qualname__ = method.__qualname__
    call.__doc__ = method.__doc__
    call.__wrapped__ = method  # type: ignore[attr-defined]
    return call


class Simulation:
    """A deterministic, seeded simulation of SDS profiles and provisioning jobs.

    Nothing here reads the wall clock or the global ``random``: all time is
    virtual and all randomness comes from one generator seeded with ``seed``.
    """

    def __init__(self, seed: int = 0, start: object = "2026-09-01T08:00:00Z",
                 config: SimConfig | None = None, *, keep_records: bool = True,
                 on_record: Callable[[Record], None] | None = None,
                 snapshots: bool = True) -> None:
        """``keep_records=False`` keeps no records in memory (``events`` etc. stay empty and
        ``state_at`` is unavailable); ``on_record`` receives every record as it is made, e.g.
        a JSON Lines writer; ``snapshots=False`` skips building snapshot records (events and
        errors only). Together they run very large simulations in little memory and time."""
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError("seed must be an integer")
        self.seed = seed
        self.start = parse_timestamp(start)
        self.config = config if config is not None else SimConfig()
        self._core = Core(seed, to_us(self.start), self.config, keep_records=keep_records,
                          on_record=on_record, snapshots=snapshots)
        self._profiles = ProfileService(self._core)
        self._jobs = JobService(self._core)
        #: every changing API call and fault, in order, for scenario export (kept with the records)
        self.call_log: list[dict] = []

    # -- time ---------------------------------------------------------------------------
    @property
    def now(self) -> pendulum.DateTime:
        return from_us(self._core.now)

    def advance(self, duration: object) -> pendulum.DateTime:
        """Run every event up to ``now + duration``; return the new ``now``."""
        self._core.run_until(self._core.now + duration_us(duration))
        return self.now

    def run_until(self, timestamp: object) -> pendulum.DateTime:
        """Run every event up to ``timestamp``; return the new ``now``."""
        target = to_us(parse_timestamp(timestamp))
        if target < self._core.now:
            raise ValueError(f"cannot run back in time to {timestamp} (now is {self.now})")
        self._core.run_until(target)
        return self.now

    def step(self) -> bool:
        """Run the next scheduled event; ``False`` when nothing is scheduled."""
        return self._core.step()

    def next_event_time(self) -> pendulum.DateTime | None:
        t = self._core.sched.peek()
        return from_us(t) if t is not None else None

    @property
    def events_processed(self) -> int:
        return self._core.sched.processed

    # -- records -------------------------------------------------------------------------
    @property
    def events(self) -> list[EventRecord]:
        return self._core.events

    @property
    def snapshots(self) -> list[SnapshotRecord]:
        return self._core.snapshots

    @property
    def errors(self) -> list[ErrorRecord]:
        return self._core.errors

    def records(self) -> Iterator[EventRecord | SnapshotRecord | ErrorRecord]:
        """Every record, in ``seq`` order."""
        key = lambda r: r.seq  # noqa: E731
        return heapq.merge(self.events, self.snapshots, self.errors, key=key)

    def state_at(self, subject: str, timestamp: object) -> dict | None:
        """``{"machines": {...}, "snapshot": {...}}`` of ``subject`` at a past time, or ``None``."""
        return self._core.state_at(subject, to_us(parse_timestamp(timestamp)))

    # -- faults -----------------------------------------------------------------------------
    def add_fault(self, kind: str, *, at: object = None, duration: object = None,
                  target: str | None = None, **params: Any) -> Fault:
        """Schedule a fault from ``at`` (default now) for ``duration`` (default: forever)."""
        core = self._core
        try:
            start = core.now if at is None else to_us(parse_timestamp(at))
            end = None if duration is None else start + duration_us(duration)
        except ValueError as exc:
            raise BadRequest(f"invalid fault time: {exc}") from exc
        if start < core.now:
            raise BadRequest("a fault cannot start in the past")
        if target is not None and not (isinstance(target, str) and target.split("/")[0] in
                                       ("profile", "job")):
            raise BadRequest("a fault's target is 'profile/<id>', 'job/<id>' or none")
        fault = core.faults.add(kind, start, end, target, dict(params))
        self._jobs.fault_added(target, kind, start)
        if core.keep:
            self.call_log.append({"time_us": core.now, "fault": kind, "at_us": start,
                                  "end_us": end, "target": target, "params": dict(params)})
        return fault

    @property
    def faults(self) -> list[Fault]:
        return list(self._core.faults.faults)

    # -- profiles ---------------------------------------------------------------------------
    def _log(self, name: str, **args: Any) -> None:
        if self._core.keep:
            self.call_log.append({"time_us": self._core.now, "call": name, "args": args})

    @_api
    def create_profile(self, body: Mapping | EducationSynchronizationProfile
                       ) -> EducationSynchronizationProfile:
        p = self._profiles.create(body)
        self._log("create_profile", body=body, id=p.id)
        return p.model()

    @_api
    def list_profiles(self) -> list[EducationSynchronizationProfile]:
        return [p.model() for p in self._profiles.profiles.values()]

    @_api
    def get_profile(self, profile_id: str) -> EducationSynchronizationProfile:
        return self._profiles.find(profile_id).model()

    @_api
    def delete_profile(self, profile_id: str) -> None:
        self._profiles.delete(profile_id)
        self._log("delete_profile", profile_id=profile_id)

    @_api
    def pause_profile(self, profile_id: str) -> None:
        self._profiles.pause(profile_id)
        self._log("pause_profile", profile_id=profile_id)

    @_api
    def resume_profile(self, profile_id: str) -> None:
        self._profiles.resume(profile_id)
        self._log("resume_profile", profile_id=profile_id)

    @_api
    def reset_profile(self, profile_id: str) -> None:
        self._profiles.reset(profile_id)
        self._log("reset_profile", profile_id=profile_id)

    @_api
    def get_upload_url(self, profile_id: str) -> str:
        url = self._profiles.upload_url(profile_id)
        self._log("get_upload_url", profile_id=profile_id)
        return url

    @_api
    def upload_files(self, profile_id: str, files: Mapping[str, str | bytes]) -> None:
        self._profiles.upload(profile_id, files)
        self._log("upload_files", profile_id=profile_id, files=dict(files))

    @_api
    def start_profile(self, profile_id: str) -> list[VerificationMessage]:
        self._log("start_profile", profile_id=profile_id)
        return self._profiles.start(profile_id)

    @_api
    def get_profile_status(self, profile_id: str) -> EducationSynchronizationProfileStatus:
        return self._profiles.status(profile_id, duration_us(self.config.status_lag))

    @_api
    def list_errors(self, profile_id: str) -> list[EducationSynchronizationError]:
        return list(self._profiles.find(profile_id).errors)

    @_api
    def create_error(self, profile_id: str, body: Mapping | EducationSynchronizationError
                     ) -> EducationSynchronizationError:
        err = self._profiles.create_error(profile_id, body)
        self._log("create_error", profile_id=profile_id, body=err.to_json())
        return err

    # -- jobs ---------------------------------------------------------------------------------
    @_api
    def create_job(self, service_principal_id: str, body: Mapping,
                   *, objects: Mapping[str, int] | None = None) -> SynchronizationJob:
        job = self._jobs.create(service_principal_id, body, objects)
        self._log("create_job", service_principal_id=service_principal_id, body=body,
                  objects=dict(job.objects), id=job.id)
        return self._jobs.view(job)

    @_api
    def list_jobs(self, service_principal_id: str) -> list[SynchronizationJob]:
        return [self._jobs.view(j) for j in self._jobs.list(service_principal_id)]

    @_api
    def get_job(self, service_principal_id: str, job_id: str) -> SynchronizationJob:
        return self._jobs.view(self._jobs.find(service_principal_id, job_id))

    @_api
    def update_job(self, service_principal_id: str, job_id: str, body: Mapping) -> None:
        self._jobs.update(self._jobs.awake(service_principal_id, job_id), body)
        self._log("update_job", service_principal_id=service_principal_id, job_id=job_id,
                  body=body)

    @_api
    def delete_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.delete(self._jobs.find(service_principal_id, job_id))
        self._log("delete_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def start_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.start(self._jobs.awake(service_principal_id, job_id))
        self._log("start_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def pause_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.pause(self._jobs.awake(service_principal_id, job_id))
        self._log("pause_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def stop_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.stop(self._jobs.awake(service_principal_id, job_id))
        self._log("stop_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def apply_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.apply(self._jobs.awake(service_principal_id, job_id))
        self._log("apply_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def restart_job(self, service_principal_id: str, job_id: str,
                    reset_scope: str = "Watermark, Escrows") -> None:
        self._jobs.restart(self._jobs.awake(service_principal_id, job_id), reset_scope)
        self._log("restart_job", service_principal_id=service_principal_id, job_id=job_id,
                  reset_scope=reset_scope)

    @_api
    def validate_credentials(self, service_principal_id: str, job_id: str,
                             body: Mapping | None = None) -> None:
        if body is not None and not isinstance(body, Mapping):
            raise BadRequest("The request body must be a JSON object.")
        self._jobs.validate_credentials(self._jobs.awake(service_principal_id, job_id))
        self._log("validate_credentials", service_principal_id=service_principal_id,
                  job_id=job_id)

    @_api
    def get_job_schema(self, service_principal_id: str, job_id: str) -> SynchronizationSchema:
        return self._jobs.schema(self._jobs.find(service_principal_id, job_id))

    def job_cycle_count(self, service_principal_id: str, job_id: str) -> int:
        """How many cycles the job has begun so far (not a Graph property; for measurement)."""
        return self._jobs.cycle_count(self._jobs.find(service_principal_id, job_id))

    # -- scenario export ---------------------------------------------------------------------
    def to_scenario(self, path: object = None, **options: Any) -> str:
        """The calls and faults that led here, as scenario YAML that ``sdssim run`` replays.

        Writes it to ``path`` when given. See :func:`sdssim.testing.export.to_scenario`.
        """
        # A late import: the testing layer sits above the engine.
        export = importlib.import_module("sdssim.testing.export")
        return export.to_scenario(self, path, **options)

    # -- conveniences -----------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"Simulation(seed={self.seed}, now={self.now.isoformat()}, "
                f"profiles={len(self._profiles.profiles)}, jobs={len(self._jobs.jobs)})")


