"""The checkpoint commands: ``sdssim resume DIR`` and ``sdssim whatif S --at T --then ALT``.

``sdssim run S --out DIR --checkpoint-every P1D`` (in :mod:`sdssim.cli.run`) calls
:func:`run_checkpointed`.  A checkpoint of another format version, a changed
scenario or a directory without a checkpointed run is one ``sdssim: error:``
line and exit code 2.
"""

from __future__ import annotations

import os
from typing import Any

import click
from rich.markup import escape

from sdssim.cli.group import EXIT_FAILED, EXIT_INVALID, EXIT_OK, Fatal, cannot_write, new_console
from sdssim.cli.inputs import load_scenario
from sdssim.cli.run import finish_run

__all__ = ["resume_cmd", "run_checkpointed", "whatif_cmd"]


def run_checkpointed(scenario: Any, scenario_path: str, out_dir: str, every: str,
                     seed: int | None, until: str | None) -> Any:
    from sdssim.scenario.checkpoints import run_with_checkpoints

    try:
        return run_with_checkpoints(scenario, scenario_path, out_dir, every, seed, until)
    except ValueError as exc:  # a CheckpointError too
        raise Fatal(str(exc), EXIT_INVALID) from None
    except OSError as exc:
        raise cannot_write(out_dir, exc) from None


@click.command("resume")
@click.argument("out_dir", metavar="DIR")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures and the verdict.")
def resume_cmd(out_dir: str, quiet: bool) -> int:
    """Finish a run started with --checkpoint-every (e.g. one killed) from its newest checkpoint.

    The outputs are byte-identical to those of a run never interrupted.
    """
    from sdssim.scenario.checkpoints import CheckpointError, resume

    if not os.path.isdir(out_dir):
        raise Fatal(f"{out_dir!r} is not a directory")
    try:
        scenario, path, result = resume(out_dir, load_scenario)
    except CheckpointError as exc:
        raise Fatal(str(exc), EXIT_INVALID) from None
    except OSError as exc:
        raise Fatal(f"cannot resume {out_dir!r}: {exc.strerror or exc}") from None
    return finish_run(new_console(), scenario, path, result, out_dir, quiet)


@click.command("whatif")
@click.argument("scenario_path", metavar="SCENARIO")
@click.option("--at", "at", required=True, metavar="T",
              help="Branch at T (absolute, or +duration from the start).")
@click.option("--then", "alt_path", required=True, metavar="ALT.yaml",
              help="A scenario whose timeline after T is played in the other branch.")
@click.option("--out", "out_dir", required=True, metavar="DIR",
              help="Write DIR/original/, DIR/alternative/ and DIR/comparison.json.")
def whatif_cmd(scenario_path: str, at: str, alt_path: str, out_dir: str) -> int:
    """Run SCENARIO to T, then its own future and ALT's future from the same state; compare."""
    from sdssim.outputs.comparison import comparison_lines
    from sdssim.outputs.jsonl import write_expectations, write_json, write_simulation
    from sdssim.scenario.whatif import COMPARISON_FILE, whatif

    scenario = load_scenario(scenario_path)
    alternative = load_scenario(alt_path)
    try:
        outcome = whatif(scenario, at, alternative)
    except ValueError as exc:
        raise Fatal(f"whatif: {exc}") from None
    try:
        for name, result in (("original", outcome.original),
                             ("alternative", outcome.alternative)):
            folder = os.path.join(out_dir, name)
            write_simulation(result.sim, folder)
            write_expectations(folder, result.checks)
        tmp = os.path.join(out_dir, COMPARISON_FILE + ".tmp")
        write_json(tmp, outcome.comparison)
        os.replace(tmp, os.path.join(out_dir, COMPARISON_FILE))
    except OSError as exc:
        raise cannot_write(out_dir, exc) from None
    console = new_console()
    for line in comparison_lines(outcome.comparison):
        console.print(escape(line))
    console.print(f"Wrote {escape(out_dir)}: original/, alternative/, {COMPARISON_FILE}")
    both = outcome.original.passed and outcome.alternative.passed
    return EXIT_OK if both else EXIT_FAILED
