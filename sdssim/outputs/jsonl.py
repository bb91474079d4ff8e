"""The files of a run: JSON Lines of a simulation's records, and its JSON files.

One record per line, ``record.to_line()``: ``json.dumps(record.to_json(),
sort_keys=True, separators=(",", ":"))``, compact, key-sorted and so
byte-identical for the same scenario and seed.  Every line has ``seq`` and ``time``.  The JSON files
(``expectations.json``, ``scenario.json``) are key-sorted with an indent of one.
:mod:`sdssim.outputs.runio` reads them all back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["EXPECTATIONS_FILE", "FILES", "RECORD_FILES", "SCENARIO_FILE", "RecordWriter",
           "dumps", "read_records", "write_expectations", "write_json", "write_records",
           "write_simulation"]

#: record file -> (Simulation attribute holding its records, the ``type`` of its records)
RECORD_FILES = {"events.jsonl": ("events", "event"), "snapshots.jsonl": ("snapshots", "snapshot"),
                "errors.jsonl": ("errors", "error")}
#: record file -> Simulation attribute holding its records
FILES = {name: attr for name, (attr, _type) in RECORD_FILES.items()}
#: the checks of a run's expectations, a list of objects
EXPECTATIONS_FILE = "expectations.json"
#: ``{"name", "file", "seed", "labels"}`` of the scenario a run came from (optional)
SCENARIO_FILE = "scenario.json"


class _Json(Protocol):
    def to_json(self) -> dict[str, Any]: ...


class _Record(_Json, Protocol):
    TYPE: str

    def to_line(self) -> str: ...




def dumps(record: _Record) -> str:
    """One record as its JSON Lines text (without the newline)."""
    return record.to_line()


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


class RecordWriter:
    """Writes records to ``events.jsonl``, ``snapshots.jsonl`` and ``errors.jsonl`` in
    ``directory`` as they are made: pass it as ``Simulation(on_record=...)``.

    The three files are created (empty) at once, each record goes to the file of its
    JSON ``type``, one line each, exactly as :func:`write_simulation` writes the records a
    simulation kept: a simulation streaming into a writer and one keeping its records
    then written give the same bytes.  Use it as a context manager (the files are
    closed on the way out); :attr:`counts` is the line count of each file.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self.counts: dict[str, int] = dict.fromkeys(RECORD_FILES, 0)
        self._files: dict[str, Any] = {}
        self._by_type: dict[str, tuple[str, Any]] = {}
        try:
            for name, (_attr, kind) in RECORD_FILES.items():
                fh = open(out / name, "w", encoding="utf-8", newline="\n",  # noqa: SIM115
                          buffering=1 << 20)
                self._files[name] = fh
                self._by_type[kind] = (name, fh)
        except BaseException:
            self.close()
            raise

    def __call__(self, record: _Record) -> None:
        name, fh = self._by_type[record.TYPE]
        fh.write(record.to_line() + "\n")
        self.counts[name] += 1

    def close(self) -> None:
        """Flush and close the files (again: nothing)."""
        files, self._files = self._files, {}
        for fh in files.values():
            fh.close()

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_json(path: str | os.PathLike[str], value: Any) -> None:
    """Write ``value`` to ``path`` as key-sorted JSON with an indent of one and a last ``\\n``."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(value, fh, indent=1, sort_keys=True)
        fh.write("\n")


def write_expectations(directory: str | os.PathLike[str], checks: Iterable[_Json]) -> None:
    """Write ``expectations.json`` of a run's ``checks`` into ``directory``."""
    write_json(Path(directory) / EXPECTATIONS_FILE, [c.to_json() for c in checks])


def read_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The JSON objects of a JSON Lines file, in order."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
