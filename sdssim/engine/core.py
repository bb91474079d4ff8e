"""Shared state of one simulation: clock, randomness, records and transitions.

The rule modules (:mod:`.profiles`, :mod:`.jobs`) act through a :class:`Core`;
the :class:`~sdssim.engine.simulation.Simulation` facade owns one.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from typing import Any

from ..errors import Conflict, InvalidTransition
from ..machines import table
from .config import SimConfig
from .faults import FaultBook
from .recordlog import ERROR, EVENT, SNAPSHOT, RecordLog, RecordSeq
from .records import ErrorRecord, EventRecord, SnapshotRecord, View
from .scheduler import CYCLE, Scheduler

__all__ = ["Core", "Subject"]


class Subject:
    """Base of the engine's mutable per-resource state (profiles, jobs)."""

    __slots__ = ("subject", "gen", "num", "__weakref__")
    subject: str
    gen: int
    num: int
    #: machine name -> attribute holding its state
    MACHINES: dict[str, str] = {}

    def snapshots(self, core: Core) -> list[tuple[str, dict[str, Any] | View]]:
        """The Graph JSON documents to record after a change, as ``(kind, JSON or view)``."""
        return []

    def after_change(self, now: int) -> None:
        """Called once per event or API call that changed this subject."""


class Core:
    """Clock, seeded randomness, fault book, records and the compiled machine tables."""

    def __init__(self, seed: int, start_us: int, config: SimConfig, *,
                 keep_records: bool = True,
                 on_record: Callable[[Any], None] | None = None,
                 snapshots: bool = True) -> None:
        self.seed = seed
        self.keep = keep_records
        self.on_record = on_record
        #: snapshots are built only when asked for and someone keeps or receives them
        self.snapshotting = snapshots and (keep_records or on_record is not None)
        self.config = config
        self.rng = random.Random(seed)
        self.sched = Scheduler(start_us)
        self.faults = FaultBook()
        #: the kept records (empty unless ``keep_records``); ``seq`` is position + 1
        self.log = RecordLog()
        self._seq = 0
        self._dirty: dict[int, Subject] = {}
        self.tables = {name: table(name) for name in ("profile", "sync", "job", "schedule", "quarantine")}
        #: the machines' compiled tables, as declared (``TransitionTable.steps``)
        self._next = {name: t.steps for name, t in self.tables.items()}
        self.counter = 0
        #: moves whenever anything that can be observed may have changed (see ``revision``)
        self.revision = 0

    # -- time -----------------------------------------------------------------
    @property
    def now(self) -> int:
        return self.sched.now

    def at(self, time_us: int, action: Callable[..., Any], arg: object = None, priority: int = CYCLE,
           subject: int = 0) -> None:
        self.sched.at(time_us, action, arg, priority, subject)

    def run_until(self, time_us: int) -> None:
        """Run events up to ``time_us``, snapshotting what each event changed."""
        if time_us > self.sched.now or self.sched.peek() == time_us:
            self.revision += 1
        self.sched.run_until(time_us, self.flush, self._dirty)

    def step(self) -> bool:
        ran = self.sched.step()
        self.revision += 1
        if self._dirty:
            self.flush()
        return ran

    # -- identities -------------------------------------------------------------
    def new_number(self) -> int:
        self.counter += 1
        self.revision += 1
        return self.counter

    def new_uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"

    # -- records ----------------------------------------------------------------
    def fire(self, obj: Subject, machine: str, trigger: str, cause: str,
             resume_to: str | None = None) -> str:
        """Apply ``trigger`` to ``obj``'s ``machine`` through the compiled table.

        Raises :class:`InvalidTransition` when the declaration does not allow it.
        """
        attr = obj.MACHINES[machine]
        src = getattr(obj, attr)
        dests = self._next[machine].get((src, trigger))
        if not dests:
            raise InvalidTransition(machine, src, trigger)
        if len(dests) == 1:
            dest = dests[0]
        elif resume_to in dests:
            dest = resume_to
        else:
            raise InvalidTransition(machine, src, trigger)
        setattr(obj, attr, dest)
        self.event(obj.subject, machine, src, dest, trigger, cause)
        self._dirty[id(obj)] = obj
        return dest

    def check_api(self, obj: Subject, machine: str, trigger: str) -> None:
        """Refuse (Graph 409, nothing changed) unless ``trigger`` is allowed from ``obj``'s
        current ``machine`` state."""
        state = getattr(obj, obj.MACHINES[machine])
        if not self._next[machine].get((state, trigger)):
            raise Conflict(
                f"The operation '{trigger}' is not allowed while the {machine} state is "
                f"'{state}'.",
                code="conflict",
            )

    def fire_api(self, obj: Subject, machine: str, trigger: str, cause: str,
                 resume_to: str | None = None) -> str:
        """:meth:`fire` for an API call: a refused trigger becomes a Graph 409."""
        try:
            return self.fire(obj, machine, trigger, cause, resume_to)
        except InvalidTransition as exc:
            raise Conflict(
                f"The operation '{trigger}' is not allowed while the {machine} state is "
                f"'{exc.state}'.",
                code="conflict",
            ) from exc

    def event(self, subject: str, machine: str, src: str | None, dest: str | None,
              trigger: str, cause: str) -> None:
        self._seq += 1
        self.revision += 1
        now = self.sched.now
        if self.keep:
            self.log.event(now, subject, machine, src, dest, trigger, cause)
        if self.on_record is not None:
            self.on_record(EventRecord(self._seq, now, subject, machine, src, dest, trigger,
                                       cause))

    @property
    def events(self) -> RecordSeq:
        return self.log.of_type(EVENT)

    @property
    def snapshots(self) -> RecordSeq:
        return self.log.of_type(SNAPSHOT)

    @property
    def errors(self) -> RecordSeq:
        return self.log.of_type(ERROR)

    def changed(self, obj: Subject) -> None:
        """Mark ``obj`` for a snapshot once the current event or call completes."""
        self._dirty[id(obj)] = obj

    def flush(self) -> None:
        """Take the pending snapshots (in the order subjects changed)."""
        if self._dirty:
            self.revision += 1
        dirty = list(self._dirty.values())
        self._dirty.clear()
        now = self.sched.now
        for obj in dirty:
            if obj.gen >= 0:
                obj.after_change(now)
        if not self.snapshotting:
            return
        keep, log, on_record = self.keep, self.log, self.on_record
        for obj in dirty:
            if obj.gen < 0:  # removed
                continue
            for kind, data in obj.snapshots(self):
                self._seq += 1
                if keep:
                    log.snapshot(now, obj.subject, kind, data)
                if on_record is not None:
                    on_record(SnapshotRecord(self._seq, now, obj.subject, kind, data))

    def error(self, subject: str, kind: str, data: dict[str, Any]) -> None:
        self._seq += 1
        self.revision += 1
        if self.keep:
            self.log.error(self.sched.now, subject, kind, data)
        if self.on_record is not None:
            self.on_record(ErrorRecord(self._seq, self.sched.now, subject, kind, data))

    # -- history ----------------------------------------------------------------
    def state_at(self, subject: str, time_us: int) -> dict[str, Any] | None:
        """Machine states and last snapshots of ``subject`` at ``time_us``."""
        if not self.keep:
            raise ValueError("state_at needs the records: this simulation was created with "
                             "keep_records=False")
        hist = self.log.history(subject)
        if not hist or hist[0].time_us > time_us:
            return None
        end = bisect.bisect_right([r.time_us for r in hist], time_us)
        machines: dict[str, str | None] = {}
        snaps: dict[str, SnapshotRecord] = {}
        for rec in hist[:end]:
            if isinstance(rec, EventRecord):
                machines[rec.machine] = rec.to_state
            else:
                snaps[rec.kind] = rec
        return {"machines": machines, "snapshot": {k: r.data for k, r in snaps.items()}}
