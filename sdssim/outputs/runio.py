"""Reading a run: the records of a run directory (or of a live ``Simulation``) as plain data.

A run directory, as ``sdssim run SCENARIO --out DIR`` writes it, holds
``events.jsonl``, ``snapshots.jsonl`` and ``errors.jsonl`` (one JSON record a
line) and, when the scenario had expectations, ``expectations.json`` (a list
of ``{time, subject, field, expected, actual, passed}``).  :func:`load_run`
reads them into a :class:`Run`; :meth:`Run.from_simulation` builds the same
thing from a ``Simulation`` in memory, so notebooks need no files.

:meth:`Run.intervals` turns the events into the spans each subject's machines
spent in each state: the data behind the timeline plot, the report and the
highlighted diagrams.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import parse_timestamp
from ..engine.subjects import parse_subject
from ..machines import REMOVED
from .jsonl import EXPECTATIONS_FILE, RECORD_FILES, SCENARIO_FILE

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = [
    "RUN_FILES",
    "EXPECTATIONS_FILE",
    "Interval",
    "Run",
    "RunError",
    "load_run",
    "parse_time",
    "short_subject",
]

#: the record files of a run directory -> the ``type`` of their records
RUN_FILES = {name: kind for name, (_attr, kind) in RECORD_FILES.items()}

#: where a removed subject's last event leads (older runs wrote null)
_GONE = (None, REMOVED)


class RunError(ValueError):
    """A run directory is missing a file or holds a malformed record."""


@functools.lru_cache(maxsize=65536)
def parse_time(text: str) -> _dt.datetime:
    """A record timestamp (``2026-09-01T08:00:00Z``) as an aware UTC ``datetime``."""
    if text.endswith("Z"):
        try:
            return _dt.datetime.fromisoformat(text[:-1] + "+00:00")
        except ValueError:
            pass
    value = parse_timestamp(text)
    return _dt.datetime(value.year, value.month, value.day, value.hour, value.minute,
                        value.second, value.microsecond, tzinfo=_dt.timezone.utc)


def short_subject(subject: str, width: int = 24) -> str:
    """``subject`` shortened for a plot label: ``job/scim.6513270e…f2a74de4``-style."""
    if len(subject) <= width:
        return subject
    try:
        kind, ident = parse_subject(subject)
    except ValueError:  # not a subject (a hand-written run): cut it as any text
        return subject[:width - 1] + "…"
    keep = max(width - len(kind) - 2, 6)
    head = keep - keep // 3
    return f"{kind}/{ident[:head]}…{ident[-(keep - head):]}"


@attrs.frozen(slots=True)
class Interval:
    """A span one machine of one subject spent in one state.

    ``end`` is the time of the event that left the state, or, for the state
    the run ended in (``open``), the time of the run's last record.
    Self-transitions (``Quarantine -> Quarantine``) do not split a span.
    """

    subject: str
    machine: str
    state: str
    start: _dt.datetime
    end: _dt.datetime
    open: bool
    #: how many events (the one entering plus any self-transitions) fell in the span
    events: int = 1

    @property
    def duration(self) -> _dt.timedelta:
        return self.end - self.start


def _check_records(records: list[dict[str, Any]], kind: str, where: str) -> None:
    for i, rec in enumerate(records, 1):
        if not isinstance(rec, dict) or rec.get("type") != kind:
            raise RunError(f"{where}: record {i} is not a {kind} record")
        for key in ("seq", "time", "subject"):
            if key not in rec:
                raise RunError(f"{where}: record {i} has no {key!r}")


@attrs.frozen
class Run:
    """The records of one simulation run, as their JSON objects (``to_json`` form)."""

    events: list[dict[str, Any]]
    snapshots: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    #: ``None`` when the run has no ``expectations.json``
    expectations: list[dict[str, Any]] | None = None
    #: the run directory, or ``None`` for a run built in memory
    path: Path | None = None
    #: what ``scenario.json`` says: the scenario's ``name``, ``file``, ``seed``, ``labels``
    scenario: dict[str, Any] | None = None

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]],
                     expectations: list[dict[str, Any]] | None = None) -> Run:
        """A run from records of all three types (in any order; sorted by ``seq``)."""
        by_type: dict[str, list[dict[str, Any]]] = {"event": [], "snapshot": [], "error": []}
        for rec in records:
            kind = rec.get("type")
            if kind not in by_type:
                raise RunError(f"unknown record type {kind!r}")
            by_type[kind].append(dict(rec))
        for recs in by_type.values():
            recs.sort(key=lambda r: r["seq"])
        return cls(by_type["event"], by_type["snapshot"], by_type["error"], expectations)

    @classmethod
    def from_simulation(cls, sim: Simulation,
                        expectations: list[dict[str, Any]] | None = None) -> Run:
        """A run from a ``Simulation``'s records, exactly as they would be written to files."""

        def as_json(records: Iterable[Any]) -> list[dict[str, Any]]:
            # The JSON round trip gives the same plain data a run directory would.
            return [json.loads(json.dumps(r.to_json(), sort_keys=True)) for r in records]

        return cls(as_json(sim.events), as_json(sim.snapshots), as_json(sim.errors),
                   expectations)

    # -- overview -----------------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """Every record, in ``seq`` order."""
        return sorted([*self.events, *self.snapshots, *self.errors], key=lambda r: r["seq"])

    def subjects(self) -> list[str]:
        """Every subject, in order of first appearance."""
        return list(dict.fromkeys(r["subject"] for r in self.records()))

    def machines(self, subject: str) -> list[str]:
        """The machines ``subject`` has events for, in order of first event."""
        return list(dict.fromkeys(e["machine"] for e in self.events if e["subject"] == subject))

    @property
    def start(self) -> _dt.datetime | None:
        """Time of the first record (``None`` for an empty run)."""
        times = [parse_time(r["time"]) for r in self._timed()]
        return min(times) if times else None

    @property
    def end(self) -> _dt.datetime | None:
        """Time of the last record (or expectation), ``None`` for an empty run."""
        times = [parse_time(r["time"]) for r in self._timed()]
        return max(times) if times else None

    def _timed(self) -> list[dict[str, Any]]:
        timed = [*self.events, *self.snapshots, *self.errors]
        timed += [e for e in self.expectations or () if isinstance(e.get("time"), str)]
        return timed

    # -- derived views ------------------------------------------------------------------
    def paths(self, subject: str) -> dict[str, list[str]]:
        """For each machine of ``subject``, the states it entered, in order (repeats kept)."""
        out: dict[str, list[str]] = {}
        for e in self.events:
            if e["subject"] == subject and e["to"] not in _GONE:
                out.setdefault(e["machine"], []).append(e["to"])
        return out

    def current(self, subject: str, machine: str) -> str | None:
        """The state ``machine`` of ``subject`` ended the run in (``None``: removed)."""
        state = None
        for e in self.events:
            if e["subject"] == subject and e["machine"] == machine:
                state = None if e["to"] in _GONE else e["to"]
        return state

    def removed_at(self, subject: str) -> _dt.datetime | None:
        """When ``subject`` left the run (an event to no state, e.g. profile deletion)."""
        for e in self.events:
            if e["subject"] == subject and e["to"] in _GONE:
                return parse_time(e["time"])
        return None

    def intervals(self, *, include_instant: bool = False) -> list[Interval]:
        """The state spans of every subject × machine, ordered by subject then machine.

        A state entered and left at the same virtual instant (a job is created
        ``NotConfigured`` and started in the same call) has no duration and is
        left out unless ``include_instant``; the state a machine ends the run in
        is always kept, even when it began at the last record.  A subject that
        is removed closes the spans of all its machines.
        """
        end = self.end
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        removed: dict[str, _dt.datetime] = {}
        for e in self.events:
            groups.setdefault((e["subject"], e["machine"]), []).append(e)
            if e["to"] in _GONE:
                removed.setdefault(e["subject"], parse_time(e["time"]))
        out: list[Interval] = []
        for subject in self.subjects():
            gone = removed.get(subject)
            for (subj, machine), evs in groups.items():
                if subj != subject:
                    continue
                # spans as [state, start, events, stop]; stop is None while the span is open
                spans: list[list[Any]] = []
                for e in evs:
                    t = parse_time(e["time"])
                    is_open = bool(spans) and spans[-1][3] is None
                    if is_open and e["to"] == spans[-1][0]:
                        spans[-1][2] += 1  # a self-transition: the same span goes on
                        continue
                    if is_open:
                        spans[-1][3] = t
                    if e["to"] is not None:
                        spans.append([e["to"], t, 1, None])
                for i, (state, start, n, stop) in enumerate(spans):
                    is_open = stop is None and gone is None
                    if stop is None:
                        stop = gone if gone is not None else (end or start)
                    last = i == len(spans) - 1
                    if stop == start and not include_instant and not (last and is_open):
                        continue
                    out.append(Interval(subject, machine, state, start, stop, is_open, n))
        return out

    def quarantine_attempts(self) -> list[dict[str, Any]]:
        """One row per failed attempt of a quarantine series, from the job snapshots.

        Each row: ``subject``, ``seriesBegan``, ``seriesCount``, ``time`` (of the
        snapshot that recorded it), ``nextAttempt`` (``None`` when no further
        attempt is scheduled: the job was disabled), ``reason``.  Repeated
        snapshots of the same attempt are given once.
        """
        rows: list[dict[str, Any]] = []
        seen: set[tuple[str, str, int]] = set()
        for snap in self.snapshots:
            if snap.get("kind") != "job":
                continue
            q = ((snap.get("data") or {}).get("status") or {}).get("quarantine")
            if not q or not q.get("seriesBegan"):
                continue
            key = (snap["subject"], q["seriesBegan"], int(q.get("seriesCount") or 0))
            if key in seen:
                continue
            seen.add(key)
            nxt = q.get("nextAttempt")
            next_time = parse_time(nxt) if nxt else None
            if next_time is not None and next_time.year <= 1:
                next_time = None
            rows.append({
                "subject": snap["subject"],
                "seriesBegan": parse_time(q["seriesBegan"]),
                "seriesCount": key[2],
                "time": parse_time(snap["time"]),
                "nextAttempt": next_time,
                "reason": q.get("reason"),
            })
        return rows

    def labels(self) -> dict[str, str]:
        """Scenario names of subjects (``job hr-sync``), from the expectations' ``label``s.

        ``sdssim run`` writes each expectation with the subject's id and the key
        the scenario calls it by; subjects without an expectation have no label.
        """
        out: dict[str, str] = {}
        for subject, label in ((self.scenario or {}).get("labels") or {}).items():
            if isinstance(subject, str) and isinstance(label, str) and label:
                out[subject] = label
        for e in self.expectations or ():
            subject, label = e.get("subject"), e.get("label")
            if isinstance(subject, str) and isinstance(label, str) and label:
                out.setdefault(subject, label)
        return out

    def display_name(self, subject: str) -> str:
        """``subject`` as a plot label: its scenario label, its profile's display name,
        or its shortened id."""
        label = self.labels().get(subject)
        if label:
            return label
        for snap in self.snapshots:
            if snap.get("subject") == subject:
                name = (snap.get("data") or {}).get("displayName")
                if isinstance(name, str) and name:
                    return f"profile {name}"
        return short_subject(subject)

    @property
    def name(self) -> str | None:
        """The scenario's ``name`` (from ``scenario.json``), if the run directory has it."""
        name = (self.scenario or {}).get("name")
        return name if isinstance(name, str) and name else None

    def expectation_summary(self) -> tuple[int, int] | None:
        """(passed, failed) of the expectations, ``None`` when the run has none."""
        if self.expectations is None:
            return None
        passed = sum(1 for e in self.expectations if e.get("passed") is True)
        return passed, len(self.expectations) - passed


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise RunError(f"{path}:{n}: not JSON ({exc.msg})") from None
    return out


def _optional_json(path: Path, expected: str, fits: Callable[[Any], bool]) -> Any:
    """The JSON value of ``path``, or ``None`` when there is no such file; ``RunError`` when
    it is not JSON or not ``expected`` (``fits`` says)."""
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}: not JSON ({exc.msg})") from None
    if not fits(value):
        raise RunError(f"{path}: expected {expected}")
    return value


def load_run(run_dir: str | os.PathLike[str]) -> Run:
    """Read a run directory written by ``sdssim run``.

    The three record files are required; ``expectations.json`` is read when
    present.  Raises :class:`RunError` (a ``ValueError``) with the offending
    path for a missing directory, a missing file or a malformed line.
    """
    root = Path(run_dir)
    if not root.is_dir():
        raise RunError(f"{root}: not a run directory")
    loaded: dict[str, list[dict[str, Any]]] = {}
    for name, kind in RUN_FILES.items():
        path = root / name
        if not path.is_file():
            raise RunError(f"{path}: missing (a run directory holds "
                           f"{', '.join(RUN_FILES)})")
        records = _read_jsonl(path)
        _check_records(records, kind, str(path))
        loaded[kind] = records
    expectations = _optional_json(
        root / EXPECTATIONS_FILE, "a list of objects",
        lambda v: isinstance(v, list) and all(isinstance(e, dict) for e in v))
    scenario = _optional_json(root / SCENARIO_FILE, "an object", lambda v: isinstance(v, dict))
    return Run(loaded["event"], loaded["snapshot"], loaded["error"], expectations, root,
               scenario)
