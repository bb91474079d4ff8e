"""The model's own invariants: what must hold of any simulation at any moment.

:class:`ModelInvariants` checks them incrementally (each call looks only at
the records made since the last), so a stateful test can afford to run it
after every step.  A broken invariant raises :class:`InvariantViolation`, an
``AssertionError`` naming the record or subject and what was wrong.

1. Records: ``seq`` strictly increases, ``time`` never decreases in ``seq``
   order, nothing is stamped after ``now``.
2. Every event is a declared transition of its machine (creation enters the
   initial state; removal leaves through a final transition or job deletion),
   and continues from the state the previous event of that subject and
   machine ended in.
3. What the Graph methods answer agrees with the machines: a profile's
   ``state`` and sync ``status`` (without a status lag), a job's status
   ``code`` and ``schedule.state``, a quarantine shown exactly while the
   quarantine machine is not ``healthy`` (with ``seriesBegan <= currentBegan
   <= now``), ``errorCount`` equal to the listed errors, and 404 for removed
   subjects.
"""

from __future__ import annotations

from typing import Any

from sdssim.clock import NEVER, to_us
from sdssim.engine import Simulation
from sdssim.engine.subjects import parse_subject
from sdssim.errors import InvalidTransition, NotFound
from sdssim.machines import MACHINES, REMOVED, table

__all__ = ["InvariantViolation", "ModelInvariants", "check_model"]


class InvariantViolation(AssertionError):
    """An invariant of the simulated service does not hold."""


def _raw(sim: Simulation, name: str, *args: Any) -> Any:
    """A Graph read through ``sim.observe`` (consumes no request fault, changes nothing)."""
    return getattr(sim.observe, name)(*args)


#: what :meth:`ModelInvariants._read` answers for a subject that is rightly gone (404)
_GONE = object()


class ModelInvariants:
    """Incremental checker of one simulation's invariants; call :meth:`check` as often as you like."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self._seen = {"events": 0, "snapshots": 0, "errors": 0}
        self._last_seq = 0
        self._last_time = 0
        #: (subject, machine) -> current state (None once removed)
        self.states: dict[tuple[str, str], str | None] = {}
        self._sp: dict[str, str] = {}
        self._logged = 0
        self._tables = {m: table(m) for m in MACHINES}

    def check(self) -> None:
        """Check every invariant now; raise :class:`InvariantViolation` on the first broken one."""
        self._records()
        self._subjects()

    # -- records and transitions ---------------------------------------------------------------
    def _records(self) -> None:
        sim = self.sim
        now = to_us(sim.now)
        fresh = []
        for name in ("events", "snapshots", "errors"):
            records = getattr(sim, name)
            fresh.extend(records[self._seen[name]:])
            self._seen[name] = len(records)
        fresh.sort(key=lambda r: r.seq)
        for rec in fresh:
            if rec.seq <= self._last_seq:
                raise InvariantViolation(f"record seq {rec.seq} does not follow {self._last_seq}")
            if rec.time_us < self._last_time:
                raise InvariantViolation(f"record {rec.seq} ({rec.subject}) goes back in time")
            if rec.time_us > now:
                raise InvariantViolation(f"record {rec.seq} ({rec.subject}) is after now")
            self._last_seq, self._last_time = rec.seq, rec.time_us
            if hasattr(rec, "machine"):
                self._transition(rec)

    def _transition(self, ev: Any) -> None:
        key = (ev.subject, ev.machine)
        tbl = self._tables[ev.machine]
        where = f"event {ev.seq} ({ev.subject} {ev.machine} {ev.from_state} -{ev.trigger}-> " \
                f"{ev.to_state})"
        if ev.from_state is None:
            if key in self.states:
                raise InvariantViolation(f"{where}: created twice")
            if ev.to_state != tbl.initial:
                raise InvariantViolation(f"{where}: creation must enter {tbl.initial!r}")
        else:
            if self.states.get(key, "<never created>") != ev.from_state:
                raise InvariantViolation(f"{where}: the machine was in "
                                         f"{self.states.get(key, '<never created>')!r}")
            try:
                dests = tbl.dests(ev.from_state, ev.trigger)
            except InvalidTransition:
                dests = ()
            if ev.to_state not in dests:
                raise InvariantViolation(f"{where}: not a declared transition")
        self.states[key] = ev.to_state
        if ev.to_state == REMOVED:  # removal ends every machine of the subject
            for other in list(self.states):
                if other[0] == ev.subject:
                    self.states[other] = None

    # -- what the Graph methods answer ----------------------------------------------------------
    def _subjects(self) -> None:
        sim = self.sim
        now = sim.now
        log = sim.call_log
        for entry in log[self._logged:]:
            if entry.get("call") == "create_job":
                self._sp[entry["args"]["id"]] = entry["args"]["service_principal_id"]
        self._logged = len(log)
        subjects = {s for s, _m in self.states}
        for subject in sorted(subjects):
            kind, ident = parse_subject(subject)
            state = {m: st for (s, m), st in self.states.items() if s == subject}
            removed = all(v is None for v in state.values())
            if kind == "profile":
                self._profile(subject, ident, state, removed, now)
            else:
                self._job(subject, ident, state, removed, now)

    def _read(self, subject: str, removed: bool, gone: str, method: str, *args: Any) -> Any:
        """``method``'s answer about ``subject``, or ``_GONE`` for a 404 its machines expect.

        A 404 for a subject not ``removed``, or an answer for one that is, is a violation
        (``gone`` is the word for the subject's removal: removed, deleted).
        """
        try:
            found = _raw(self.sim, method, *args)
        except NotFound:
            if not removed:
                raise InvariantViolation(f"{subject}: 404 but never {gone}") from None
            return _GONE
        if removed:
            raise InvariantViolation(f"{subject}: {gone}, yet {method} answers")
        return found

    def _profile(self, subject: str, pid: str, state: dict[str, str | None], removed: bool,
                 now: Any) -> None:
        sim = self.sim
        profile = self._read(subject, removed, "removed", "get_profile", pid)
        if profile is _GONE:
            return
        if profile.state.value != state.get("profile"):
            raise InvariantViolation(f"{subject}: state {profile.state.value!r}, machine "
                                     f"{state.get('profile')!r}")
        status = _raw(sim, "get_profile_status", pid)
        if sim.config.status_lag.total_seconds() == 0 and status.status.value != state.get("sync"):
            raise InvariantViolation(f"{subject}: status {status.status.value!r}, sync "
                                     f"machine {state.get('sync')!r}")
        errors = _raw(sim, "list_errors", pid)
        if sim.config.status_lag.total_seconds() == 0 and status.error_count != len(errors):
            raise InvariantViolation(f"{subject}: errorCount {status.error_count} but "
                                     f"{len(errors)} errors listed")
        last = status.last_synchronization_date_time
        if last is not None and last != NEVER and last > now:
            raise InvariantViolation(f"{subject}: lastSynchronizationDateTime is in the future")

    def _job(self, subject: str, jid: str, state: dict[str, str | None], removed: bool,
             now: Any) -> None:
        job = self._read(subject, removed, "deleted", "get_job", self._sp.get(jid, ""), jid)
        if job is _GONE:
            return
        status = job.status
        if status.code.value != state.get("job"):
            raise InvariantViolation(f"{subject}: status.code {status.code.value!r}, machine "
                                     f"{state.get('job')!r}")
        if job.schedule.state.value != state.get("schedule"):
            raise InvariantViolation(f"{subject}: schedule.state {job.schedule.state.value!r}, "
                                     f"machine {state.get('schedule')!r}")
        quarantined = state.get("quarantine") not in (None, "healthy")
        q = status.quarantine
        if (q is not None) != quarantined:
            raise InvariantViolation(f"{subject}: quarantine shown={q is not None} but the "
                                     f"quarantine machine is {state.get('quarantine')!r}")
        if q is not None:
            if q.series_count < 0:
                raise InvariantViolation(f"{subject}: quarantined with seriesCount "
                                         f"{q.series_count}")
            if not q.series_began <= q.current_began <= now:
                raise InvariantViolation(f"{subject}: quarantine seriesBegan {q.series_began}, "
                                         f"currentBegan {q.current_began}, now {now}")


def check_model(sim: Simulation) -> None:
    """Check every invariant of ``sim`` once, from its first record."""
    ModelInvariants(sim).check()
