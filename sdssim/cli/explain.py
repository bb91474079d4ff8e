"""``sdssim explain``: what happens in a scenario and why, in plain English (or a
``sdssim whatif`` directory's comparison)."""

from __future__ import annotations

import os

import click
from rich.markup import escape

from sdssim.cli.group import EXIT_FAILED, EXIT_OK, Fatal, new_console
from sdssim.cli.inputs import (
    check_until,
    load_scenario,
    progress_option,
    seed_option,
    simulate,
    until_option,
)

__all__ = ["explain_cmd"]


@click.command("explain")
@click.argument("scenario_path", metavar="SCENARIO")
@seed_option
@until_option
@progress_option
def explain_cmd(scenario_path: str, seed: int | None, until: str | None, progress: str) -> int:
    """Tell, in plain English, what happens in SCENARIO and why (or compare a whatif DIR)."""
    from sdssim.scenario.explain import clock_text, narrate

    if os.path.isdir(scenario_path):
        return _explain_whatif(scenario_path)
    scenario = load_scenario(scenario_path)
    check_until(scenario, until)
    console = new_console()
    result = simulate(scenario, seed, until, console, progress)
    console.print(f"[bold]{escape(scenario.name)}[/bold]")
    if scenario.description:
        console.print(escape(" ".join(scenario.description.split())))
    for line in narrate(result):
        if line.kind == "day":
            console.print("")
            console.print(f"[bold]{escape(line.text)}[/bold]")
            continue
        style = None if line.ok else "red"
        console.print(f"  {clock_text(line.time):>8}  {escape(line.text)}", style=style)
    console.print("")
    total = result.checks_passed + len(result.failures)
    if result.passed:
        console.print(f"All {total:,} expectations hold.")
    else:
        console.print(f"{len(result.failures):,} of {total:,} expectations do not hold.")
    return EXIT_OK if result.passed else EXIT_FAILED


def _explain_whatif(directory: str) -> int:
    from sdssim.outputs.comparison import comparison_lines, load_comparison

    try:
        comp = load_comparison(directory)
    except (OSError, ValueError) as exc:
        raise Fatal(f"cannot read the comparison in {directory!r}: {exc}") from None
    if comp is None:
        raise Fatal(f"{directory!r} is a directory but not a 'sdssim whatif' output")
    console = new_console()
    for line in comparison_lines(comp):
        console.print(escape(line))
    return EXIT_OK

