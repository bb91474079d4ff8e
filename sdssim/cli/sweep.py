"""``sdssim sweep``: one scenario over many seeds (and a grid of settings) on Dask."""

from __future__ import annotations

import os

import click
from rich.markup import escape

from sdssim.cli.group import EXIT_OK, Fatal, cannot_write, new_console
from sdssim.cli.inputs import default_out_dir, load_scenario, progress_option

__all__ = ["sweep_cmd"]


@click.command("sweep")
@click.argument("scenario_path", metavar="SCENARIO")
@click.option("--seeds", required=True, metavar="SEEDS",
              help="Seeds to run: N, A:B (A to B-1), A:B:STEP, comma-separated.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local Dask workers (default: one per CPU).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Use an existing Dask cluster's scheduler (e.g. tcp://host:8786) instead "
                   "of a local cluster; the workers need sdssim installed.")
@click.option("--grid", "grid", metavar="KEY=V1,V2", multiple=True,
              help="Also vary a SimConfig setting (repeatable; every combination runs with "
                   "every seed), e.g. --grid cycle_interval=PT20M,PT40M.")
@click.option("--out", "out_dir", metavar="DIR", default=None,
              help="Write outcomes.csv/.parquet, summary.csv/.json and summary.png here "
                   "(default: out/<scenario file name>-sweep).")
@click.option("--chunk", type=click.IntRange(min=1), default=None,
              help="Seeds per Dask task (default: about eight tasks per worker).")
@click.option("--threads", is_flag=True,
              help="Run the local workers as threads of this process (starts faster; no "
                   "parallel speed-up for this pure-Python simulator).")
@progress_option
def sweep_cmd(scenario_path: str, seeds: str, workers: int | None, scheduler: str | None,
              grid: tuple[str, ...], out_dir: str | None, chunk: int | None,
              threads: bool, progress: str) -> int:
    """Run SCENARIO over many seeds (and a grid of settings) on Dask; write a table of
    outcomes per seed and a summary.  Exit 0 when the sweep ran, whatever the outcomes."""
    from sdssim.sweep import MissingDask, parse_grid, parse_seeds, run_sweep

    try:
        parse_seeds(seeds)
    except ValueError as exc:
        raise Fatal(f"--seeds: {exc}") from None
    try:
        parse_grid(grid)
    except ValueError as exc:
        raise Fatal(f"--grid: {exc}") from None
    load_scenario(scenario_path)  # problems are reported before any cluster starts
    if out_dir is None:
        out_dir = default_out_dir(scenario_path, "-sweep")
    from sdssim.cli.progress import reporter

    try:
        with reporter(progress, f"sweeping {os.path.basename(scenario_path)}") as report:
            result = run_sweep(scenario_path, seeds, workers=workers, scheduler=scheduler,
                               grid=grid, out_dir=out_dir, processes=not threads, chunk=chunk,
                               progress=report)
    except (MissingDask, ValueError) as exc:
        raise Fatal(str(exc)) from None
    except OSError as exc:
        raise cannot_write(out_dir, exc) from None
    console = new_console()
    console.print(f"[bold]{escape(result.name)}[/bold]  ({escape(scenario_path)}): "
                  f"{len(result.rows):,} runs on {result.workers} worker(s) in "
                  f"{result.seconds:.1f} s")
    for s in result.summary:
        point = ", ".join(f"{k}={s[k]}" for k in result.grid) or "all seeds"
        steady = ("never" if s["time_to_steady_h_p50"] is None else
                  f"p50 {s['time_to_steady_h_p50']:.1f} h, p90 {s['time_to_steady_h_p90']:.1f} h")
        errors = f", {s['run_errors']} run error(s)" if s["run_errors"] else ""
        rate = lambda v: "-" if v is None else f"{v:.1%}"  # noqa: E731
        console.print(escape(
            f"  {point}: {s['runs']:,} runs, expectations hold {rate(s['pass_rate'])}, "
            f"quarantined {rate(s['p_quarantine'])}, disabled {rate(s['p_disabled'])}, "
            f"cycles {s['mean_cycles']} per run, time to steady state {steady}{errors}"))
    console.print(f"Wrote {escape(out_dir)}: {', '.join(sorted(result.files))}")
    return EXIT_OK

