"""Running a sweep: on this machine (this process and helper processes), or on an
existing Dask cluster by its scheduler's address."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import attrs

from .cluster import MissingDask, run_on_cluster
from .local import plan_tasks, run_local
from .outcome import OUTCOME_COLUMNS, ROW_COLUMNS
from .spec import cell, check_overrides, grid_points, parse_grid, parse_seeds
from .summary import (
    SUMMARY_COLUMNS,
    import_writers,
    summarise,
    write_csv,
    write_json,
    write_parquet,
    write_plot,
)

__all__ = ["SweepResult", "run_sweep", "MissingDask"]

#: called after each finished task with (runs done, runs in all)
ProgressCallback = Callable[[int, int], None]


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


def run_sweep(scenario_path: str | os.PathLike[str], seeds: str | int | Iterable[int],
              workers: int | None = None, scheduler: str | None = None,
              grid: Sequence[str] | Mapping[str, Sequence[Any]] | None = None,
              out_dir: str | os.PathLike[str] | None = "out/sweep", *,
              processes: bool = True, chunk: int | None = None,
              progress: bool | ProgressCallback | None = None,
              plot: bool = True) -> SweepResult:
    """Run one scenario over many seeds (and a grid of SimConfig overrides).

    ``workers``: how many runs go on at once on this machine (default: one per CPU
    this process may use):
    this process and ``workers - 1`` helper processes, started with the scenario
    (``processes=False``: helper threads, no parallel speed-up); ``workers=1`` runs
    every seed here, one after the other.  ``scheduler``: the address of an existing
    Dask cluster's scheduler (``tcp://host:8786``) to run on instead (``workers`` is
    then ignored).  ``grid`` is a list of ``KEY=V1,V2`` items or a mapping of key to
    values; every combination is run with every seed.  ``chunk`` is the number of
    seeds per task (default: shrinking as the work runs out, at most 25; see
    :func:`~sdssim.sweep.local.plan_tasks`).  ``progress``: a callback, ``True`` for a
    rich progress bar on stderr, ``None`` for one when stderr is a terminal.

    Rows come back in grid-point then seed order, whatever the number of workers, so
    the tables written are identical for one worker or many.  With ``out_dir`` (``None``:
    write nothing) writes ``outcomes.csv``, ``outcomes.parquet`` (when pyarrow is
    installed), ``summary.csv``, ``summary.json`` and ``summary.png``.

    Raises ``ValueError`` for bad seeds or grid, :class:`~sdssim.errors.ScenarioError`
    for an invalid scenario, :class:`MissingDask` for ``scheduler`` without
    ``dask.distributed``.
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
    total = len(points) * len(seed_list)

    with ExitStack() as stack:
        report = _progress(progress, total, scenario.name, stack)
        done = 0

        def on_done(runs: int) -> None:
            nonlocal done
            done += runs
            report(done, total)

        if scheduler:
            tasks, results, n_workers = run_on_cluster(scheduler, scenario, points, seed_list,
                                                       chunk, on_done, stack)
        else:
            n = workers or _cpus()
            tasks = plan_tasks(len(points), seed_list, n, chunk)
            n_workers = min(n, len(tasks))
            warm = None if out_dir is None else (lambda: import_writers(plot))
            results = run_local(scenario, points, tasks, n_workers, processes, on_done,
                                meanwhile=warm)

    keys = list(grid_map)
    rows: list[dict[str, Any]] = []
    for (p, _seeds), task_rows in zip(tasks, results, strict=True):
        fixed = {"point": p, **{k: cell(points[p][k]) for k in keys}}
        for values in task_rows:
            rows.append({**fixed, **dict(zip(ROW_COLUMNS, values, strict=True))})
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


def _cpus() -> int:
    """The CPUs this process may run on (fewer than the machine's in a container)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on macOS or Windows
        return os.cpu_count() or 1


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
