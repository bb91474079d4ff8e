"""``sdssim serve --state FILE``: the served simulation kept in SQLite, and named checkpoints.

The database (stdlib :mod:`sqlite3`, write-ahead log, ``synchronous=FULL``)
holds two tables: ``current``, one row with the newest checkpoint of the
served simulation, and ``checkpoints``, the ones clients took with ``POST
/_sdssim/checkpoints``.  After every request that changed the simulation
(any non-GET request, and a GET that moved the clock, made a record or used up
a throttle fault), the whole simulation is checkpointed and stored in one
transaction, so a server killed at any moment (SIGKILL included) restarts from
the state after the last answered changing request.  The price is one
checkpoint per changing request; ``docs/checkpoints.md`` has the figures.

Without ``--state`` the same store lives in memory (``:memory:``): checkpoints
work, nothing survives the process.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sdssim.clock import format_timestamp

__all__ = ["StateStore", "changes", "open_state"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS current (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    time TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    data BLOB NOT NULL
);
"""


def changes(sim: Any) -> int:
    """A number that moves whenever a request changed the simulation (its revision)."""
    return int(sim.revision)


class StateStore:
    """The SQLite file behind ``--state`` (or an in-memory one)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self.persistent = path is not None
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path or ":memory:", isolation_level=None,
                                   check_same_thread=False)
        if self.persistent:
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"{path}: cannot use a write-ahead log ({mode})")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- the served simulation ---------------------------------------------------------
    def load_current(self) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM current WHERE id = 1").fetchone()
        return None if row is None else bytes(row[0])

    def save_current(self, sim: Any) -> None:
        """Store ``sim`` as the current state, in one transaction (a no-op in memory)."""
        if not self.persistent:
            return
        data = sim.checkpoint()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT OR REPLACE INTO current (id, time, data) VALUES "
                                 "(1, ?, ?)", (format_timestamp(sim.now), data))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- named checkpoints ------------------------------------------------------------------
    def add(self, sim: Any) -> dict[str, Any]:
        data = sim.checkpoint()
        time = format_timestamp(sim.now)
        with self._lock:
            cur = self._db.execute("INSERT INTO checkpoints (time, data) VALUES (?, ?)",
                                   (time, data))
            return {"id": str(cur.lastrowid), "time": time, "bytes": len(data)}

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, time, length(data) FROM checkpoints ORDER BY id").fetchall()
        return [{"id": str(i), "time": t, "bytes": n} for i, t, n in rows]

    def get(self, ident: str) -> bytes | None:
        if not ident.isdigit() or len(ident) > 18:
            return None
        with self._lock:
            row = self._db.execute("SELECT data FROM checkpoints WHERE id = ?",
                                   (int(ident),)).fetchone()
        return None if row is None else bytes(row[0])

    def delete(self, ident: str) -> bool:
        if not ident.isdigit() or len(ident) > 18:
            return False
        with self._lock:
            cur = self._db.execute("DELETE FROM checkpoints WHERE id = ?", (int(ident),))
        return cur.rowcount > 0


def open_state(path: str, build: Any) -> tuple[Any, StateStore, str]:
    """``(simulation, store, note)`` for ``--state path``.

    A file that holds a state gives that simulation back (``build`` is not called);
    otherwise ``build()`` makes the first one, which is stored at once.  Raises
    ``ValueError`` (one line) for a file that is not an sdssim state database or holds a
    checkpoint of another format version.
    """
    from sdssim.engine import Simulation
    from sdssim.engine.checkpoint import CheckpointError

    try:
        store = StateStore(path)
        data = store.load_current()
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"--state {path}: not an sdssim state database ({exc})") from None
    if data is None:
        sim = build()
        store.save_current(sim)
        return sim, store, f"state: new, kept in {path}"
    try:
        sim = Simulation.restore(data)
    except CheckpointError as exc:
        store.close()
        raise ValueError(f"--state {path}: {exc}") from None
    return sim, store, (f"state: restored from {path} at {format_timestamp(sim.now)} "
                        f"({len(store.list())} checkpoint(s))")
