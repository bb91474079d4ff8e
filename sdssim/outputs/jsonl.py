"""JSON Lines output of a simulation's records.

if TYPE_CHECKING:
    from sdssim.engine import Simulation

One record per line, ``json.dumps(record.to_json(), sort_keys=True,
separators=(",", ":"))``: compact, key-sorted and so byte-identical for the
same scenario and seed.  Every line has ``seq`` and ``time``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["FILES", "dumps", "write_records", "write_simulation", "read_records"]

#: output file -> Simulation attribute holding its records
FILES = {"events.jsonl": "events", "snapshots.jsonl": "snapshots", "errors.jsonl": "errors"}


class _Record(Protocol):
    def to_json(self) -> dict[str, Any]: ...


def dumps(record: _Record) -> str:
    """One record as its JSON Lines text (without the newline)."""
    return json.dumps(record.to_json(), sort_keys=True, separators=(",", ":"))


def write_records(path: str | os.PathLike[str], records: Iterable[_Record]) -> int:
    """Write ``records`` to ``path`` (UTF-8, ``\\n`` line ends); return how many."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            fh.write(dumps(record))
            fh.write("\n")
            count += 1
    return count


def write_simulation(sim: Simulation, directory: str | os.PathLike[str]) -> dict[str, int]:
    """Write ``events.jsonl``, ``snapshots.jsonl`` and ``errors.jsonl`` of ``sim`` into
    ``directory`` (created if needed); return the line count of each file."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    return {name: write_records(out / name, getattr(sim, attr)) for name, attr in FILES.items()}


def read_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The JSON objects of a JSON Lines file, in order."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
