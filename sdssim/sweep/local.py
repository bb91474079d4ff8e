"""Running a sweep's tasks on this machine: in this process, with helper processes.

``workers=N`` is this process and ``N - 1`` helper processes (or threads), all taking
the next task from one shared counter until none is left.  This process computes too,
so a helper's start-up overlaps with work instead of delaying it, nobody waits for a
straggler at the end (see :func:`run_local`), and ``workers=1`` is a plain loop with no
pool at all.  The scenario and the grid points reach each helper once, when it starts;
a task is a grid point and a few seeds, its result compact rows
(:func:`~sdssim.sweep.outcome.run_rows`).

Helpers are forked (they start at once, with sdssim already imported) when that is
safe: on Linux, from a process with no other thread.  Otherwise (a progress bar's
thread, a notebook's kernel, macOS, Windows) they are spawned: a fresh interpreter
that imports sdssim, about a second of CPU each.
Results are put back in task order, so the number of workers changes nothing in the
tables.  Needs neither Dask nor pyarrow.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from .outcome import run_rows

__all__ = ["plan_tasks", "run_local", "start_method"]

#: a task's result: one compact row per seed
Rows = list[tuple[Any, ...]]
#: a task: a grid point's index and some seeds
Task = tuple[int, list[int]]


def plan_tasks(n_points: int, seeds: Sequence[int], workers: int, chunk: int | None
               ) -> list[Task]:
    """The tasks of a sweep: ``(grid point, seeds)`` in grid-point then seed order.

    ``chunk``: that many seeds per task.  Otherwise the sizes shrink as the work runs
    out (a quarter of each worker's share of what is left, at most 25 seeds, at least
    one): few tasks while there is plenty to do, and small ones at the end, so no
    worker is left with a long last task while the others wait.
    """
    left = n_points * len(seeds)
    tasks: list[Task] = []
    for p in range(n_points):
        i = 0
        while i < len(seeds):
            size = chunk or max(1, min(25, math.ceil(left / (4 * workers))))
            part = list(seeds[i:i + size])
            tasks.append((p, part))
            i += len(part)
            left -= len(part)
    return tasks


class _Counter:
    """The next task's index, shared by the workers (threads here, processes below)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def get_lock(self) -> threading.Lock:
        return self._lock


def _take(counter: Any, n: int) -> int | None:
    with counter.get_lock():
        i = counter.value
        if i >= n:
            return None
        counter.value = i + 1
        return i


def _helper(scenario: Any, points: Sequence[Mapping[str, Any]], tasks: Sequence[Task],
            counter: Any, results: Any, stop: Any = None) -> None:
    """A helper's life: take tasks until none is left, put ``(index, rows)`` for each."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the sweep's process handles Ctrl-C
    while stop is None or not stop.is_set():
        i = _take(counter, len(tasks))
        if i is None:
            return
        p, seeds = tasks[i]
        results.put((i, run_rows(scenario, seeds, points[p])))


def start_method() -> str:
    """``fork`` on Linux from a process with no other thread, else ``spawn``.

    Forking a process with other threads may deadlock the child (a lock held by a
    thread that does not exist there); macOS's system libraries do not support fork.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def run_local(scenario: Any, points: Sequence[Mapping[str, Any]], tasks: Sequence[Task],
              workers: int, processes: bool, on_done: Callable[[int], None], *,
              meanwhile: Callable[[], None] | None = None, method: str | None = None
              ) -> list[Rows]:
    """Run ``tasks`` on ``workers`` (this process and helpers); rows per task, in order.

    ``on_done(runs)`` is called in this thread as each task's rows arrive, with the
    number of runs (seeds) the task held.  ``meanwhile()``, if given, is called here
    once the helpers are started: work this process would do after the runs anyway
    (importing the file writers), done while they run; the shared counter gives the
    helpers more tasks in the meantime.  ``method``: the helpers' start method
    (default :func:`start_method`).

    Once no task is left to take, this process runs the tasks still missing itself,
    latest first, rather than wait for a helper to finish them: a run is deterministic,
    so whichever copy arrives first is kept.  So a helper that starts late, is slow, or
    dies (killed, out of memory) costs time, never the sweep.  On the way out (Ctrl-C
    included) the helpers still running are stopped.
    """
    results: list[Rows | None] = [None] * len(tasks)
    helpers = min(workers, len(tasks)) - 1
    with _helpers(scenario, points, tasks, helpers, processes,
                  method or start_method()) as (counter, inbox):
        if meanwhile is not None and helpers > 0:
            meanwhile()

        def run(i: int) -> None:
            p, seeds = tasks[i]
            receive(i, run_rows(scenario, seeds, points[p]))

        def receive(i: int, rows: Rows) -> None:
            if results[i] is None:
                results[i] = rows
                on_done(len(rows))

        def drain() -> None:
            while True:
                try:
                    i, rows = inbox.get_nowait()
                except queue.Empty:
                    return
                receive(i, rows)

        while (i := _take(counter, len(tasks))) is not None:
            run(i)
            drain()
        while missing := [k for k, r in enumerate(results) if r is None]:
            run(missing[-1])
            drain()
    return [r for r in results if r is not None]


@contextlib.contextmanager
def _helpers(scenario: Any, points: Sequence[Mapping[str, Any]], tasks: Sequence[Task],
             n: int, processes: bool, method: str) -> Iterator[tuple[Any, Any]]:
    """``n`` helpers started on ``tasks``: yields the shared counter and the queue of
    their results; stops those still running when the block ends."""
    if n <= 0:
        yield _Counter(), queue.SimpleQueue()
        return
    if not processes:
        counter, stop = _Counter(), threading.Event()
        inbox: queue.SimpleQueue[tuple[int, Rows]] = queue.SimpleQueue()
        threads = [threading.Thread(target=_helper, daemon=True, name=f"sdssim-sweep-{k}",
                                    args=(scenario, points, tasks, counter, inbox, stop))
                   for k in range(n)]
        for t in threads:
            t.start()
        try:
            yield counter, inbox
        finally:
            stop.set()  # a thread cannot be stopped: it ends after its current task
        return
    ctx: Any = multiprocessing.get_context(method)  # fork or spawn: both have Process
    with _sigint_ignored():  # (creating the locks may start multiprocessing's tracker)
        shared = ctx.Value("q", 0)
        mailbox = ctx.Queue()
        procs = [ctx.Process(target=_helper, daemon=True, name=f"sdssim-sweep-{k}",
                             args=(scenario, points, tasks, shared, mailbox))
                 for k in range(n)]
        for proc in procs:
            proc.start()
    try:
        yield shared, mailbox
    finally:
        for proc in procs:
            if proc.exitcode is None:
                proc.terminate()
        for proc in procs:
            proc.join()
        mailbox.close()
        mailbox.join_thread()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Start processes with SIGINT ignored: a Ctrl-C in the terminal reaches the whole
    process group, and only this process should handle it (and stop the others)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
