"""What several commands read: a scenario file, and the ``--seed``, ``--until`` and
``--progress`` options that run it (and where its outputs go by default)."""

from __future__ import annotations

import os
from typing import Any

import click
from rich.console import Console

from sdssim.cli.group import EXIT_INVALID, Fatal, cannot_read

__all__ = ["check_until", "default_out_dir", "load_scenario", "progress_option", "seed_option",
           "simulate", "until_option"]


def load_scenario(path: str) -> Any:
    """Load a scenario, turning every failure into problems or one error line."""
    from sdssim.errors import ScenarioError
    from sdssim.scenario import load

    try:
        return load(path)
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise Fatal("", EXIT_INVALID) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise cannot_read(path, exc) from None


def default_out_dir(scenario_path: str, suffix: str = "") -> str:
    """``out/<scenario file name without extension><suffix>``: where a run writes by default."""
    stem = os.path.splitext(os.path.basename(scenario_path))[0] or "scenario"
    return os.path.join("out", stem + suffix)


def simulate(scenario: Any, seed: int | None, until: str | None, console: Console,
             progress: str = "auto", **options: Any) -> Any:
    """Run a loaded scenario (showing progress as asked); a bad ``--until`` is one line.

    ``options`` go to :func:`sdssim.scenario.run` (``on_record``, ``keep_records``)."""
    from sdssim.cli.progress import reporter
    from sdssim.scenario import run

    try:
        with reporter(progress, f"simulating {scenario.name}") as report:
            return run(scenario, seed=seed, until=until, progress=report, **options)
    except ValueError as exc:  # --until before the start, or not a time
        raise Fatal(f"--until: {exc}") from None


def progress_option(f: Any) -> Any:
    return click.option("--progress", type=click.Choice(("auto", "bar", "lines", "none")),
                        default="auto", show_default=True,
                        help="Show progress on stderr: a bar with ETA (terminal), a line every "
                             "5 s (auto when not a terminal), or none.")(f)


def seed_option(f: Any) -> Any:
    return click.option("--seed", type=click.IntRange(min=0), default=None,
                        help="Override the scenario's seed.")(f)


def until_option(f: Any) -> Any:
    return click.option("--until", metavar="T", default=None,
                        help="Stop at T (absolute, or +duration from the start); later "
                             "expectations are not evaluated.")(f)


def check_until(scenario: Any, until: str | None) -> None:
    if until is None:
        return
    from sdssim.scenario import parse_time

    try:
        parse_time(until, scenario.start)
    except ValueError as exc:
        raise Fatal(f"--until: {exc}") from None

