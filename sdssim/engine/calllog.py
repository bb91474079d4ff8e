"""The call log: every state-changing API call and fault, in order, for scenario export.

An entry reads as a dict, ``{"time_us", "call", "args"}`` for a call and
``{"time_us", "fault", "at_us", "end_us", "target", "params"}`` for a fault,
but is kept as one flat tuple, ``(time, name, names, *values)`` (the argument
names are shared by every call of a method): a dict per entry and another per
arguments cost about 400 bytes, and a simulation of 100,000 jobs logs a few
hundred thousand calls.
"""

from __future__ import annotations

from typing import Any

from .readseq import ReadSeq

__all__ = ["CallLog"]


class CallLog(ReadSeq[dict[str, Any]]):
    """Append-only (and cut back on a refused call); entries read as fresh dicts."""

    __slots__ = ("_rows", "_keys")

    def __init__(self) -> None:
        #: (time, call name or None for a fault, names, *values), or a dict appended as is
        self._rows: list[tuple[Any, ...] | dict[str, Any]] = []
        self._keys: dict[tuple[str, ...], tuple[str, ...]] = {}

    def _names(self, names: tuple[str, ...]) -> tuple[str, ...]:
        return self._keys.setdefault(names, names)

    def call(self, time_us: int, name: str, args: dict[str, Any]) -> None:
        self._rows.append((time_us, name, self._names(tuple(args)), *args.values()))

    def fault(self, time_us: int, fields: dict[str, Any]) -> None:
        self._rows.append((time_us, None, self._names(tuple(fields)), *fields.values()))

    def append(self, entry: dict[str, Any]) -> None:
        """Log an entry given as a dict (kept as it is)."""
        self._rows.append(entry)

    def cut(self, length: int) -> None:
        """Forget the entries after the first ``length`` (a refused call logged nothing)."""
        del self._rows[length:]

    def _make(self, row: Any) -> dict[str, Any]:
        if type(row) is dict:
            return row
        time_us, name, names = row[0], row[1], row[2]
        values = row[3:]
        # a dict value may be shared with the simulation (a job's objects): read as a copy
        args = {k: dict(v) if type(v) is dict else v for k, v in zip(names, values, strict=True)}
        if name is None:
            return {"time_us": time_us, **args}
        return {"time_us": time_us, "call": name, "args": args}

    # -- checkpoints --------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"flat_rows": self._rows}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._rows = list(state["flat_rows"])
        self._keys = {}

    def __repr__(self) -> str:
        return f"CallLog({list(self)!r})"
