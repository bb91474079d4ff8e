"""The :class:`Simulation` facade: virtual time plus a Python mirror of the Graph methods."""

from __future__ import annotations

import contextlib
import heapq
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pendulum

from ..clock import (
    DEFAULT_START,
    HORIZON_US,
    MAX_US,
    duration_us,
    format_timestamp,
    from_us,
    parse_timestamp,
    to_us,
)
from ..errors import BadRequest
from ..models import (
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileStatus,
    StringKeyStringValuePair,
    SynchronizationJob,
    SynchronizationSchema,
    VerificationMessage,
)
from . import checkpoint as _checkpoint
from .config import SimConfig
from .core import Core
from .faults import Fault
from .jobs import JobService
from .observe import Observer
from .profiles import ProfileService
from .records import ErrorRecord, EventRecord, Record, SnapshotRecord

__all__ = ["Simulation", "unthrottled"]


@contextlib.contextmanager
def unthrottled(sim: Simulation) -> Iterator[None]:
    """Calls made inside are a test harness's, not a client's: throttle faults skip them.

    (The fake server's control API uses it: it is never throttled.)
    """
    sim._unthrottled += 1
    try:
        yield
    finally:
        sim._unthrottled -= 1


def _api(method):
    """Wrap a Graph-mirroring method: request faults first, snapshots after.

    A refused call (any exception) changes nothing: the rules validate before
    they act, and the call log is cut back to where it stood.
    """

    def call(self: Simulation, *args: Any, **kwargs: Any):
        core = self._core
        refusal = None if self._unthrottled else core.faults.take_request(core.now)
        if refusal is not None:
            raise refusal
        logged = len(self.call_log)
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            del self.call_log[logged:]
            raise
        finally:
            core.flush()

    call.__name__ = method.__name__
    call.__qualname__ = method.__qualname__
    call.__doc__ = method.__doc__
    call.__wrapped__ = method  # type: ignore[attr-defined]
    return call


#: what a fault can be aimed at; ``servicePrincipal/<id>`` reaches the credentials check of
#: ``POST …/jobs/validateCredentials`` (jobs are reached by ``job/<id>``)
_TARGETS = ("profile", "job", "servicePrincipal")


def _bad(what: str, exc: Exception) -> BadRequest:
    return BadRequest(f"invalid {what}: {exc}")


class Simulation:
    """A deterministic, seeded simulation of SDS profiles and provisioning jobs.

    Nothing here reads the wall clock or the global ``random``: all time is
    virtual and all randomness comes from one generator seeded with ``seed``.
    """

    def __init__(self, seed: int = 0, start: object = DEFAULT_START,
                 config: SimConfig | None = None, *, keep_records: bool = True,
                 on_record: Callable[[Record], None] | None = None,
                 snapshots: bool = True) -> None:
        """``keep_records=False`` keeps no records in memory (``events`` etc. stay empty and
        ``state_at`` is unavailable); ``on_record`` receives every record as it is made, e.g.
        a JSON Lines writer; ``snapshots=False`` skips building snapshot records (events and
        errors only). Together they run very large simulations in little memory and time.

        Raises :class:`~sdssim.errors.BadRequest` for a seed that is not an integer, a start
        that is not a timestamp, or a config that is not a :class:`SimConfig`.
        """
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise BadRequest(f"seed must be an integer, not {seed!r}")
        if config is not None and not isinstance(config, SimConfig):
            raise BadRequest("config must be a SimConfig")
        try:
            start_dt = parse_timestamp(start)
        except ValueError as exc:
            raise _bad("start", exc) from None
        self.seed = seed
        self.start = start_dt
        self.config = config if config is not None else SimConfig()
        start_us = to_us(self.start)
        #: the clock never passes this instant (engine time): see :attr:`horizon`
        self._horizon_us = min(start_us + HORIZON_US, MAX_US)
        self._core = Core(seed, start_us, self.config, keep_records=keep_records,
                          on_record=on_record, snapshots=snapshots)
        self._profiles = ProfileService(self._core)
        self._jobs = JobService(self._core)
        #: every changing API call and fault, in order, for scenario export (kept with the records)
        self.call_log: list[dict] = []
        #: > 0 inside :func:`unthrottled` (a harness's calls: request faults skip them)
        self._unthrottled = 0
        #: side-effect-free reads (no request faults, snapshots or call log): see :class:`Observer`
        self.observe = Observer(self._profiles, self._jobs, self.config.status_lag)

    # -- time ---------------------------------------------------------------------------
    @property
    def now(self) -> pendulum.DateTime:
        return from_us(self._core.now)

    @property
    def horizon(self) -> pendulum.DateTime:
        """The last instant this simulation can reach: 100 years after its start, and never
        past 9999-12-31T23:59:59.999999Z. ``advance`` and ``run_until`` refuse to go further."""
        return from_us(self._horizon_us)

    def _until(self, target: int, asked: object) -> int:
        if target > self._horizon_us:
            raise BadRequest(f"cannot run to {asked}: past the simulation's horizon "
                             f"{format_timestamp(self.horizon)} (100 years after its start)")
        return target

    def advance(self, duration: object) -> pendulum.DateTime:
        """Run every event up to ``now + duration``; return the new ``now``.

        Raises :class:`~sdssim.errors.BadRequest` (and changes nothing) for a duration that
        is not one, or one that would pass :attr:`horizon`.
        """
        try:
            span = duration_us(duration)
        except ValueError as exc:
            raise _bad("duration", exc) from None
        self._core.run_until(self._until(self._core.now + span, f"now + {duration}"))
        return self.now

    def run_until(self, timestamp: object) -> pendulum.DateTime:
        """Run every event up to ``timestamp``; return the new ``now``.

        Raises :class:`~sdssim.errors.BadRequest` (and changes nothing) for a time that is
        not one, is in the past, or is past :attr:`horizon`.
        """
        try:
            target = to_us(parse_timestamp(timestamp))
        except ValueError as exc:
            raise _bad("time", exc) from None
        if target < self._core.now:
            raise BadRequest(f"cannot run back in time to {timestamp} (now is "
                             f"{format_timestamp(self.now)})")
        self._core.run_until(self._until(target, timestamp))
        return self.now

    def step(self) -> bool:
        """Run the next scheduled event; ``False`` when nothing is scheduled before
        :attr:`horizon`."""
        nxt = self._core.sched.peek()
        if nxt is None or nxt > self._horizon_us:
            return False
        return self._core.step()

    def next_event_time(self) -> pendulum.DateTime | None:
        """When the next scheduled event runs, or ``None`` (nothing before :attr:`horizon`)."""
        t = self._core.sched.peek()
        return from_us(t) if t is not None and t <= self._horizon_us else None

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
        """Schedule a fault from ``at`` (default now) for ``duration`` (default: forever).

        Raises :class:`~sdssim.errors.BadRequest` (and changes nothing) for an unknown kind,
        a parameter of the wrong type or out of range, a start in the past or past
        :attr:`horizon`, or a target that is not ``profile/<id>``, ``job/<id>`` or
        ``servicePrincipal/<id>``.
        """
        core = self._core
        try:
            start = core.now if at is None else to_us(parse_timestamp(at))
            span = None if duration is None else duration_us(duration)
        except ValueError as exc:
            raise _bad("fault time", exc) from None
        if start < core.now:
            raise BadRequest("a fault cannot start in the past")
        if start > self._horizon_us:
            raise BadRequest(f"a fault cannot start past the simulation's horizon "
                             f"{format_timestamp(self.horizon)}")
        # A fault lasting past the horizon lasts for the rest of the simulation.
        end = None if span is None or start + span > self._horizon_us else start + span
        if target is not None and not (isinstance(target, str) and target.count("/") >= 1
                                       and target.split("/")[0] in _TARGETS
                                       and target.split("/", 1)[1]):
            raise BadRequest("a fault's target is 'profile/<id>', 'job/<id>', "
                             "'servicePrincipal/<id>' or none")
        fault = core.faults.add(kind, start, end, target, dict(params))
        self._jobs.fault_added(target, kind, start)
        if core.keep:
            self.call_log.append({"time_us": core.now, "fault": kind, "at_us": start,
                                  "end_us": None if span is None else start + span,
                                  "target": target, "params": dict(params)})
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
        messages = self._profiles.start(profile_id)
        self._log("start_profile", profile_id=profile_id)
        return messages

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
        self._jobs.update(self._jobs.find(service_principal_id, job_id), body)
        self._log("update_job", service_principal_id=service_principal_id, job_id=job_id,
                  body=body)

    @_api
    def delete_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.delete(self._jobs.find(service_principal_id, job_id))
        self._log("delete_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def start_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.start(self._jobs.find(service_principal_id, job_id))
        self._log("start_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def pause_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.pause(self._jobs.find(service_principal_id, job_id))
        self._log("pause_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def stop_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.stop(self._jobs.find(service_principal_id, job_id))
        self._log("stop_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def apply_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.apply(self._jobs.awake(service_principal_id, job_id))
        self._log("apply_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def restart_job(self, service_principal_id: str, job_id: str,
                    reset_scope: str = "Watermark, Escrows") -> None:
        self._jobs.restart(self._jobs.find(service_principal_id, job_id), reset_scope)
        self._log("restart_job", service_principal_id=service_principal_id, job_id=job_id,
                  reset_scope=reset_scope)

    @_api
    def validate_credentials(self, service_principal_id: str, job_id: str,
                             body: Mapping | None = None) -> None:
        if body is not None and not isinstance(body, Mapping):
            raise BadRequest("The request body must be a JSON object.")
        self._jobs.validate_credentials(self._jobs.find(service_principal_id, job_id))
        self._log("validate_credentials", service_principal_id=service_principal_id,
                  job_id=job_id)

    @_api
    def validate_job_credentials(self, service_principal_id: str, body: Mapping) -> None:
        """``POST …/synchronization/jobs/validateCredentials``: check credentials before a job
        exists. A ``credential_failure`` fault aimed at ``servicePrincipal/<id>`` (or at every
        subject) refuses them with 400 ``CredentialValidationFailed``."""
        self._jobs.validate_new_credentials(service_principal_id, body)

    @_api
    def provision_on_demand(self, service_principal_id: str, job_id: str, body: Mapping, *,
                            rate_limit: bool = True) -> StringKeyStringValuePair:
        """``POST …/jobs/{id}/provisionOnDemand``: provision the body's subjects at once.

        At most ``config.provision_on_demand_requests`` per ``provision_on_demand_window``
        of virtual time (Graph: 5 per 10 s): the next raises :class:`~sdssim.errors.Throttled`
        with its ``retry_after``. ``rate_limit=False`` skips that count (the HTTP server
        counts in wall seconds instead).
        """
        # Not in the call log: it moves no machine and makes no record, so a replay without
        # it (scenario files have no such action) gives the same run.
        return self._jobs.provision_on_demand(self._jobs.find(service_principal_id, job_id),
                                              body, rate_limit=rate_limit)

    @_api
    def get_job_schema(self, service_principal_id: str, job_id: str) -> SynchronizationSchema:
        return self._jobs.schema(self._jobs.find(service_principal_id, job_id))

    def job_cycle_count(self, service_principal_id: str, job_id: str) -> int:
        """How many cycles the job has begun so far (not a Graph property; for measurement)."""
        return self._jobs.cycle_count(self._jobs.find(service_principal_id, job_id))

    # -- checkpoints ----------------------------------------------------------------------------
    def checkpoint(self) -> bytes:
        """The whole simulation as bytes (see ``docs/checkpoints.md``); ``on_record`` is left out."""
        return _checkpoint.dumps(self, kind="simulation", time_us=self._core.now,
                                 symbols=self._symbols())

    def save(self, path: object) -> None:
        """Write :meth:`checkpoint` to ``path`` atomically (the old file or the new, never a mix)."""
        _checkpoint.write_atomic(path, self.checkpoint())  # type: ignore[arg-type]

    @classmethod
    def restore(cls, source: bytes | str | os.PathLike[str], *,
                on_record: Callable[[Record], None] | None = None) -> Simulation:
        """The simulation a checkpoint (bytes, or the path of a saved file) holds.

        Raises :class:`~sdssim.engine.checkpoint.CheckpointError` for anything that is not a
        checkpoint of this format version; never runs code from the file.
        """
        data = source if isinstance(source, (bytes, bytearray, memoryview)) \
            else _checkpoint.read_file(source)
        sim = _checkpoint.loads(bytes(data), kind="simulation",
                                symbols={"on_record": on_record})
        if not isinstance(sim, cls):
            raise _checkpoint.CheckpointError("this checkpoint does not hold a Simulation")
        return sim

    def branch(self, *, on_record: Callable[[Record], None] | None = None) -> Simulation:
        """An independent copy at the same virtual time: what one does, the other does not see."""
        data = _checkpoint.dumps(self, kind="simulation", time_us=self._core.now,
                                 symbols=self._symbols(), compress=False)
        return self.restore(data, on_record=on_record)

    def _symbols(self) -> dict[int, str]:
        on_record = self._core.on_record
        return {} if on_record is None else {id(on_record): "on_record"}

    # -- conveniences -----------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"Simulation(seed={self.seed}, now={self.now.isoformat()}, "
                f"profiles={len(self._profiles.profiles)}, jobs={len(self._jobs.jobs)})")


