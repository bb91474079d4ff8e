"""Running a sweep on Dask: a LocalCluster by default, or an existing cluster's scheduler."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import attrs

from .outcome import OUTCOME_COLUMNS, run_chunk
from .spec import cell, check_overrides, grid_points, parse_grid, parse_seeds
from .summary import (
    SUMMARY_COLUMNS,
    summarise,
    write_csv,
    write_json,
    write_parquet,
    write_plot,
)

__all__ = ["SweepResult", "run_sweep", "MissingDask"]

#: called after each finished task with (runs done, runs in all)
ProgressCallback = Callable[[int, int], None]


class MissingDask(ImportError):
    """``dask.distributed`` is not installed (``pip install 'sdssim[sweep]'``)."""


@attrs.define
class SweepResult:
    """The rows of a sweep (grid point, then seed order), its summary and the files written."""

    scenario: str
    name: str
    seeds: list[int]
    grid: dict[str, list]
    #: one row per (grid point, seed): ``point``, the grid keys, ``seed``, the outcome columns
    rows: list[dict[str, Any]]
    summary: list[dict[str, Any]]
    columns: list[str]
    summary_columns: list[str]
    files: dict[str, str] = attrs.field(factory=dict)
    workers: int = 0
    seconds: float = 0.0

    def summary_json(self) -> dict[str, Any]:
        """What ``summary.json`` holds (nothing that depends on the workers or the clock)."""
        return {
            "scenario": self.scenario,
            "name": self.name,
            "seeds": {"count": len(self.seeds), "first": self.seeds[0], "last": self.seeds[-1]},
            "grid": {k: [cell(v) for v in vs] for k, vs in self.grid.items()},
            "runs": len(self.rows),
            "points": self.summary,
        }


def _import_dask():
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise MissingDask("sdssim sweep needs dask.distributed: pip install 'sdssim[sweep]'"
                          ) from exc
    return Client, LocalCluster, as_completed


def _chunks(seeds: Sequence[int], size: int) -> list[list[int]]:
    return [list(seeds[i:i + size]) for i in range(0, len(seeds), size)]


def run_sweep(scenario_path: str | os.PathLike[str], seeds: str | int | Iterable[int],
              workers: int | None = None, scheduler: str | None = None,
              grid: Sequence[str] | Mapping[str, Sequence[Any]] | None = None,
              out_dir: str | os.PathLike[str] | None = "out/sweep", *,
              processes: bool = True, chunk: int | None = None,
              progress: bool | ProgressCallback | None = None,
              plot: bool = True) -> SweepResult:
    """Run one scenario over many seeds (and a grid of SimConfig overrides) on Dask.

    ``workers``: LocalCluster workers (default: one per CPU), ignored with ``scheduler``,
    the address of an existing cluster's scheduler (``tcp://host:8786``).
    ``processes=False`` runs the local workers as threads of this process.  ``grid`` is a
    list of ``KEY=V1,V2`` items or a mapping of key to values; every combination is run
    with every seed.  ``chunk`` is the number of seeds per task (default: about eight
    tasks per worker, at most 25 seeds each).  ``progress``: a callback, ``True`` for a
    rich progress bar on stderr, ``None`` for one when stderr is a terminal.

    Rows come back in grid-point then seed order, whatever the number of workers, so
    the tables written are identical for one worker or many.  With ``out_dir`` (``None``:
    write nothing) writes ``outcomes.csv``, ``outcomes.parquet`` (when pyarrow is
    installed), ``summary.csv``, ``summary.json`` and ``summary.png``.

    Raises ``ValueError`` for bad seeds or grid, :class:`~sdssim.errors.ScenarioError`
    for an invalid scenario, :class:`MissingDask` without ``dask.distributed``.
    """
    from sdssim.scenario import load

    started = time.perf_counter()
    seed_list = parse_seeds(seeds)
    grid_map = parse_grid(grid)
    path = os.fspath(scenario_path)
    scenario = load(path)
    points = grid_points(grid_map)
    for point in points:
        check_overrides(point, scenario.config)
    if workers is not None and workers < 1:
        raise ValueError("workers must be at least 1")
    if chunk is not None and chunk < 1:
        raise ValueError("chunk must be at least 1")
    Client, LocalCluster, as_completed = _import_dask()
    total = len(points) * len(seed_list)

    with ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            n = workers or os.cpu_count() or 1
            with _workers_ignore_sigint():
                cluster = stack.enter_context(LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=processes,
                    dashboard_address=None, silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        # Ctrl-C: quiet first (exit callbacks run last-in first-out), then the cluster stops
        stack.push(_quiet_on_interrupt)
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        size = chunk or max(1, min(25, math.ceil(len(seed_list) / (n_workers * 8))))
        scattered = client.scatter(scenario, broadcast=True)
        tasks: list[tuple[int, list[int]]] = []
        futures = []
        for p, point in enumerate(points):
            for seeds_part in _chunks(seed_list, size):
                tasks.append((p, seeds_part))
                futures.append(client.submit(run_chunk, scattered, seeds_part, point,
                                             pure=False))
        slot = {f.key: i for i, f in enumerate(futures)}
        results: list[list[dict[str, Any]] | None] = [None] * len(futures)
        report = _progress(progress, total, scenario.name, stack)
        done = 0
        for fut in as_completed(futures):
            i = slot[fut.key]
            results[i] = fut.result()
            done += len(tasks[i][1])
            report(done, total)

    keys = list(grid_map)
    rows: list[dict[str, Any]] = []
    for (p, _seeds), chunk_rows in zip(tasks, results, strict=True):
        assert chunk_rows is not None
        for row in chunk_rows:
            rows.append({"point": p, **{k: cell(points[p][k]) for k in keys}, **row})
    columns = ["point", *keys, "seed", *OUTCOME_COLUMNS]
    summary = summarise(rows, keys)
    result = SweepResult(
        scenario=path, name=scenario.name, seeds=seed_list, grid=grid_map, rows=rows,
        summary=summary, columns=columns,
        summary_columns=["point", *keys, *SUMMARY_COLUMNS], workers=n_workers)
    if out_dir is not None:
        result.files = _write(result, Path(out_dir), plot)
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def _workers_ignore_sigint() -> Iterator[None]:
    """Start worker processes with SIGINT ignored: a Ctrl-C in the terminal reaches the
    whole process group, and only this process should handle it (and stop the cluster)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _quiet_on_interrupt(exc_type: Any, exc: Any, tb: Any) -> bool:
    """While an interrupt unwinds, Dask's shutdown chatter is not the user's business."""
    if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
        for name in ("distributed", "tornado", "asyncio"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    return False


def _progress(progress: bool | ProgressCallback | None, total: int, name: str,
              stack: ExitStack) -> ProgressCallback:
    if callable(progress):
        return progress
    if progress is None:
        progress = sys.stderr.isatty() and not os.environ.get("SDSSIM_NO_PROGRESS")
    if not progress:
        return lambda done, total: None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = stack.enter_context(Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
        transient=True))
    task = bar.add_task(f"sweeping {name}", total=total)
    return lambda done, total: bar.update(task, completed=done)


def _write(result: SweepResult, out: Path, plot: bool) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    write_csv(out / "outcomes.csv", result.rows, result.columns)
    files["outcomes.csv"] = str(out / "outcomes.csv")
    if write_parquet(out / "outcomes.parquet", result.rows, result.columns):
        files["outcomes.parquet"] = str(out / "outcomes.parquet")
    write_csv(out / "summary.csv", result.summary, result.summary_columns)
    files["summary.csv"] = str(out / "summary.csv")
    write_json(out / "summary.json", result.summary_json())
    files["summary.json"] = str(out / "summary.json")
    if plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            pass
        else:
            write_plot(out / "summary.png", result.rows, result.summary, list(result.grid),
                       f"{result.name}: {len(result.seeds):,} seeds")
            files["summary.png"] = str(out / "summary.png")
    return files
