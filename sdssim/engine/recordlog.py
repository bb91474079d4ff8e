"""Where a simulation keeps its records: one append-only log, stored by column.

A record kept as an object costs about 300 bytes (the object, its ``seq`` and
time integers, its references); a simulation of 100,000 jobs keeps millions.
The log keeps each record as a row of small integers in typed arrays (time,
type, subject, and its shape: the machine, states and trigger of an event, or
the kind of a snapshot or error, interned once: a run has few shapes) plus
one reference (an event's cause, a snapshot's view, an error's JSON): about
29 bytes.  :class:`RecordSeq` gives the familiar
read-only sequence of record objects, made when read.  ``seq`` is a record's
position in the log plus one (with records kept, every record is kept).
"""

from __future__ import annotations

import array
from collections.abc import Iterator
from typing import Any

from .readseq import ReadSeq
from .records import ErrorRecord, EventRecord, Record, SnapshotRecord, View

__all__ = ["RecordLog", "RecordSeq", "EVENT", "SNAPSHOT", "ERROR"]

EVENT, SNAPSHOT, ERROR = 0, 1, 2
_COLUMNS = ("_time", "_subject", "_shape")
#: a record's shape: ``(machine, from, to, trigger)`` of an event, ``(kind,)`` otherwise
Shape = tuple[Any, ...]


class RecordLog:
    """Every kept record, in ``seq`` order, by column."""

    __slots__ = ("_time", "_type", "_subject", "_shape", "_shapes", "_shape_ids",
                 "_ref", "_symbols", "_symbol_ids", "_errors", "_positions", "_by_subject",
                 "_indexed")

    def __init__(self) -> None:
        self._time = array.array("q")
        self._type = bytearray()
        self._subject = array.array("I")
        #: each record's shape, a position in ``_shapes``
        self._shape = array.array("I")
        self._shapes: list[Shape] = []
        self._shape_ids: dict[Shape, int] = {}
        #: an event's cause, a snapshot's JSON or view, an error's JSON
        self._ref: list[Any] = []
        self._symbols: list[Any] = [None]  # symbol 0 is None; the others are strings
        self._symbol_ids: dict[str | None, int] = {None: 0}
        self._errors: dict[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]] = {}
        #: type -> positions of its records
        self._positions = (array.array("I"), array.array("I"), array.array("I"))
        #: subject symbol -> positions of its events and snapshots (built when first asked)
        self._by_subject: dict[int, array.array[int]] = {}
        self._indexed = 0

    def _symbol(self, text: str | None) -> int:
        found = self._symbol_ids.get(text)
        if found is None:
            found = self._symbol_ids[text] = len(self._symbols)
            self._symbols.append(text)
        return found

    def _row(self, kind: int, time_us: int, subject: str, shape: Shape, ref: object) -> None:
        found = self._shape_ids.get(shape)
        if found is None:
            found = self._shape_ids[shape] = len(self._shapes)
            self._shapes.append(shape)
        self._positions[kind].append(len(self._type))
        self._time.append(time_us)
        self._type.append(kind)
        self._subject.append(self._symbol(subject))
        self._shape.append(found)
        self._ref.append(ref)

    # -- appending ----------------------------------------------------------------------
    def event(self, time_us: int, subject: str, machine: str, src: str | None,
              dest: str | None, trigger: str, cause: str) -> None:
        # causes repeat (the same rule, the same fault): kept once, as a symbol's text
        cause = self._symbols[self._symbol(cause)]
        self._row(EVENT, time_us, subject, (machine, src, dest, trigger), cause)

    def snapshot(self, time_us: int, subject: str, kind: str,
                 source: dict[str, Any] | View) -> None:
        self._row(SNAPSHOT, time_us, subject, (kind,), source)

    def error(self, time_us: int, subject: str, kind: str, data: dict[str, Any]) -> None:
        # an error's JSON is kept as its items, once for all equal errors (read as a new dict)
        items = tuple(data.items())
        try:
            kept: object = self._errors.setdefault(items, items)
        except TypeError:  # a value that is not hashable: kept as given
            kept = data
        self._row(ERROR, time_us, subject, (kind,), kept)

    # -- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._type)

    def record(self, pos: int) -> Record:
        """The record at position ``pos`` (``seq`` is ``pos + 1``), made now."""
        kind = self._type[pos]
        subject = self._symbols[self._subject[pos]]
        shape = self._shapes[self._shape[pos]]
        if kind == EVENT:
            return EventRecord(pos + 1, self._time[pos], subject, shape[0], shape[1], shape[2],
                               shape[3], self._ref[pos])
        if kind == SNAPSHOT:
            return SnapshotRecord(pos + 1, self._time[pos], subject, shape[0], self._ref[pos])
        data = self._ref[pos]
        return ErrorRecord(pos + 1, self._time[pos], subject, shape[0],
                           data if type(data) is dict else dict(data))

    def of_type(self, kind: int) -> RecordSeq:
        return RecordSeq(self, self._positions[kind])

    def __iter__(self) -> Iterator[Record]:
        return self.since(0)

    def since(self, seq: int) -> Iterator[Record]:
        """The records after ``seq`` (``seq`` is a position + 1), in order."""
        for pos in range(max(seq, 0), len(self._type)):
            yield self.record(pos)

    def history(self, subject: str) -> list[EventRecord | SnapshotRecord]:
        """``subject``'s events and snapshots in order (the index is built as needed)."""
        n = len(self._type)
        if self._indexed < n:
            by_subject, types, subjects = self._by_subject, self._type, self._subject
            for pos in range(self._indexed, n):
                if types[pos] != ERROR:
                    column = by_subject.get(subjects[pos])
                    if column is None:
                        column = by_subject[subjects[pos]] = array.array("I")
                    column.append(pos)
            self._indexed = n
        sid = self._symbol_ids.get(subject)
        if sid is None or sid not in self._by_subject:
            return []
        return [self.record(pos) for pos in self._by_subject[sid]]  # type: ignore[misc]

    # -- checkpoints: arrays travel as bytes (a checkpoint names no array type) ----------
    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = {name: getattr(self, name).tobytes() for name in _COLUMNS}
        state["_type"] = bytes(self._type)
        state["_ref"] = self._ref
        state["_symbols"] = self._symbols
        state["_shapes"] = self._shapes
        state["_positions"] = tuple(p.tobytes() for p in self._positions)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._type = bytearray(state["_type"])
        self._ref = list(state["_ref"])
        self._symbols = list(state["_symbols"])
        for name in _COLUMNS:
            column = array.array("q" if name == "_time" else "I")
            column.frombytes(state[name])
            setattr(self, name, column)
        self._shapes = [tuple(shape) for shape in state["_shapes"]]
        self._shape_ids = {shape: i for i, shape in enumerate(self._shapes)}
        self._symbol_ids = {s: i for i, s in enumerate(self._symbols)}
        self._errors = {}
        positions = []
        for raw in state["_positions"]:
            column = array.array("I")
            column.frombytes(raw)
            positions.append(column)
        self._positions = tuple(positions)  # type: ignore[assignment]
        self._by_subject = {}
        self._indexed = 0


class RecordSeq(ReadSeq[Any]):
    """A read-only, live sequence of one type of record in a :class:`RecordLog`."""

    __slots__ = ("_log", "_rows")

    def __init__(self, log: RecordLog, positions: array.array[int]) -> None:
        self._log = log
        self._rows = positions

    def _make(self, row: int) -> Any:
        return self._log.record(row)

    def __repr__(self) -> str:
        return f"<{len(self)} records>"
