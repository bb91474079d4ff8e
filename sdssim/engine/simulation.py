"""The :class:`Simulation` facade: virtual time plus a Python mirror of the Graph methods."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
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
    timestamp_us,
    to_us,
)
from ..errors import BadRequest
from . import checkpoint as _checkpoint
from .calllog import CallLog
from .calls import _bad, unthrottled
from .calls_jobs import JobCalls
from .calls_profiles import ProfileCalls
from .config import SimConfig
from .core import Core
from .faults import Fault
from .jobs import JobService
from .observe import Observer
from .profiles import ProfileService
from .records import ErrorRecord, EventRecord, Record, SnapshotRecord
from .subjects import parse_subject

__all__ = ["Simulation", "unthrottled"]


class Simulation(ProfileCalls, JobCalls):
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
        self.call_log = CallLog()
        #: > 0 inside :func:`unthrottled` (a harness's calls: request faults skip them)
        self._unthrottled = 0
        #: side-effect-free reads (no request faults, snapshots or call log): see :class:`Observer`
        self.observe = Observer(self._profiles, self._jobs, self.config.status_lag)

    # -- time ---------------------------------------------------------------------------
    @property
    def now(self) -> pendulum.DateTime:
        return from_us(self._core.now)

    @property
    def now_us(self) -> int:
        """:attr:`now` as integer microseconds since the Unix epoch (the engine's own clock)."""
        return self._core.now

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
    def revision(self) -> int:
        """A number that moves whenever anything observable may have changed (a call that
        changed something, a fault added or a request it refused, the clock, a record):
        equal revisions mean equal answers, so callers may cache what they read."""
        return self._core.revision

    @property
    def events_processed(self) -> int:
        return self._core.sched.processed

    # -- records -------------------------------------------------------------------------
    @property
    def events(self) -> Sequence[EventRecord]:
        """The event records kept so far, in ``seq`` order (a live, read-only sequence:
        records are stored compactly and made when read)."""
        return self._core.events

    @property
    def snapshots(self) -> Sequence[SnapshotRecord]:
        """The snapshot records kept so far (see :attr:`events`)."""
        return self._core.snapshots

    @property
    def errors(self) -> Sequence[ErrorRecord]:
        """The error records kept so far (see :attr:`events`)."""
        return self._core.errors

    def records(self, since: int = 0) -> Iterator[EventRecord | SnapshotRecord | ErrorRecord]:
        """Every record kept, in ``seq`` order; with ``since``, those after that ``seq``."""
        return self._core.log.since(since)

    def state_at(self, subject: str, timestamp: object) -> dict[str, Any] | None:
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
            start = core.now if at is None else timestamp_us(at)
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
        if target is not None:
            parse_subject(target)  # BadRequest unless 'profile/<id>', 'job/<id>' or 'servicePrincipal/<id>'
        fault = core.faults.add(kind, start, end, target, dict(params))
        core.revision += 1
        self._jobs.fault_added(target, kind, start)
        if core.keep:
            self.call_log.fault(core.now, {"fault": kind, "at_us": start,
                                           "end_us": None if span is None else start + span,
                                           "target": target, "params": dict(params)})
        return fault

    @property
    def faults(self) -> list[Fault]:
        return list(self._core.faults.faults)

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


