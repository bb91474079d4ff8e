"""Running a sweep's tasks on an existing Dask cluster, by its scheduler's address.

The scenario is scattered to every worker once; each task is a grid point and a few
seeds, its result compact rows (:func:`~sdssim.sweep.outcome.run_rows`).  Needs the
``sweep`` extra (``dask[distributed]``); the workers need sdssim installed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

from .local import Rows, Task, plan_tasks
from .outcome import run_rows

__all__ = ["MissingDask", "run_on_cluster"]


class MissingDask(ImportError):
    """``dask.distributed`` is not installed (``pip install 'sdssim[sweep]'``)."""


def _import_dask() -> tuple[Any, Any]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:
        raise MissingDask("sdssim sweep --scheduler needs dask.distributed: "
                          "pip install 'sdssim[sweep]'") from exc
    return Client, as_completed


def run_on_cluster(address: str, scenario: Any, points: Sequence[Mapping[str, Any]],
                   seeds: Sequence[int], chunk: int | None, on_done: Callable[[int], None],
                   stack: ExitStack) -> tuple[list[Task], list[Rows], int]:
    """Run the sweep on the cluster whose scheduler is at ``address`` (``tcp://host:8786``).

    Returns the tasks, their rows (in task order) and the number of workers.  The client
    stays open until ``stack`` closes.  ``on_done(runs)`` as each task's rows arrive.
    """
    Client, as_completed = _import_dask()
    client = stack.enter_context(Client(address))
    # Ctrl-C: quiet first (exit callbacks run last-in first-out), then the client closes
    stack.push(_quiet_on_interrupt)
    n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
    tasks = plan_tasks(len(points), seeds, n_workers, chunk)
    scattered = client.scatter(scenario, broadcast=True)
    futures = [client.submit(run_rows, scattered, part, points[p], pure=False)
               for p, part in tasks]
    slot = {f.key: i for i, f in enumerate(futures)}
    results: list[Rows | None] = [None] * len(futures)
    for fut in as_completed(futures):
        i = slot[fut.key]
        results[i] = fut.result()
        on_done(len(tasks[i][1]))
    return tasks, [r for r in results if r is not None], n_workers


def _quiet_on_interrupt(exc_type: Any, exc: Any, tb: Any) -> bool:
    """While an interrupt unwinds, Dask's shutdown chatter is not the user's business."""
    if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
        for name in ("distributed", "tornado", "asyncio"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    return False
