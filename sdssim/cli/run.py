"""``sdssim run``: run a scenario, write its run directory, print its timeline and verdict.

:func:`finish_run` also ends ``sdssim resume`` (:mod:`sdssim.cli.checkpoints`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from sdssim.cli.group import EXIT_FAILED, EXIT_OK, Fatal, cannot_write, new_console
from sdssim.cli.inputs import (
    check_until,
    default_out_dir,
    load_scenario,
    progress_option,
    seed_option,
    simulate,
    until_option,
)

__all__ = ["finish_run", "print_timeline", "run_cmd"]


@click.command("run")
@click.argument("scenario_path", metavar="SCENARIO")
@seed_option
@until_option
@click.option("--out", "out_dir", metavar="DIR", default=None,
              help="Write events.jsonl, snapshots.jsonl, errors.jsonl and expectations.json "
                   "here (default: out/<scenario file name>).")
@click.option("--force", is_flag=True, help="Replace DIR when it exists and is not empty.")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures and the verdict.")
@click.option("--checkpoint-every", "every", metavar="DURATION", default=None,
              help="Keep a checkpoint in DIR/checkpoints/ each DURATION of virtual time "
                   "(e.g. P1D); 'sdssim resume DIR' finishes an interrupted run.")
@progress_option
def run_cmd(scenario_path: str, seed: int | None, until: str | None, out_dir: str | None,
            force: bool, quiet: bool, every: str | None, progress: str) -> int:
    """Run SCENARIO, write its records as JSON Lines and check its expectations.

    The files are written into a temporary sibling of DIR and renamed into place
    when complete, with manifest.json (sizes and SHA-256) written last."""
    from sdssim.outputs.rundir import OutputExists, check_target

    scenario = load_scenario(scenario_path)
    check_until(scenario, until)
    console = new_console()
    if out_dir is None:
        out_dir = default_out_dir(scenario_path)
    try:
        check_target(out_dir, force=force)  # refuse before spending the run's time
    except OutputExists as exc:
        raise Fatal(str(exc)) from None
    if every is not None:
        from sdssim.cli.checkpoints import run_checkpointed

        result = run_checkpointed(scenario, scenario_path, out_dir, every, seed, until)
        return finish_run(console, scenario, scenario_path, result, out_dir, quiet)
    return _stream_run(console, scenario, scenario_path, out_dir, seed, until, quiet, progress)


def _stream_run(console: Console, scenario: Any, scenario_path: str, out_dir: str,
                seed: int | None, until: str | None, quiet: bool, progress: str) -> int:
    """Run the scenario inside the run directory's temporary sibling, each record written
    to its JSON Lines file as it is made (the simulation keeps none), then finish it."""
    from sdssim.outputs.jsonl import RecordWriter

    def write(tmp: Any) -> tuple[Any, dict[str, int]]:
        with RecordWriter(tmp) as writer:
            result = simulate(scenario, seed, until, console, progress,
                              on_record=writer, keep_records=False)
        _write_files(tmp, scenario, scenario_path, result)
        return result, dict(writer.counts)

    result, counts = _write_run(out_dir, write)
    lines = None if quiet else _streamed_timeline(result, out_dir)
    return _report(console, scenario, scenario_path, result, out_dir, lines, counts)


def finish_run(console: Console, scenario: Any, scenario_path: str, result: Any,
               out_dir: str, quiet: bool) -> int:
    """Write a finished run's outputs, print its timeline and verdict; the exit code."""
    from sdssim.outputs.jsonl import write_simulation
    from sdssim.scenario.explain import timeline

    def write(tmp: Any) -> dict[str, int]:
        counts = write_simulation(result.sim, tmp)
        _write_files(tmp, scenario, scenario_path, result)
        return counts

    counts = _write_run(out_dir, write)
    return _report(console, scenario, scenario_path, result, out_dir,
                   None if quiet else timeline(result), counts)


def _write_files(tmp: Any, scenario: Any, scenario_path: str, result: Any) -> None:
    """``expectations.json`` and ``scenario.json`` (plot and report titles, subject names)."""
    from sdssim.outputs.jsonl import SCENARIO_FILE, write_expectations, write_json

    write_expectations(tmp, result.checks)
    write_json(os.path.join(tmp, SCENARIO_FILE),
               {"name": scenario.name, "file": os.path.basename(scenario_path),
                "seed": result.seed, "labels": result.labels})


def _write_run(out_dir: str, write: Callable[[Any], Any]) -> Any:
    from sdssim.outputs.rundir import OutputExists, write_run

    try:
        # the caller refused a non-empty DIR already (run), or owns it (resume): replace it
        # whole, keeping a checkpointed run's checkpoints/
        return write_run(out_dir, write, force=True, keep=("checkpoints",))
    except OutputExists as exc:
        raise Fatal(str(exc)) from None
    except OSError as exc:
        raise cannot_write(out_dir, exc) from None


def _streamed_timeline(result: Any, out_dir: str) -> Iterator[Any]:
    """The timeline of a run whose records were streamed: its events read back from
    ``events.jsonl`` one line at a time."""
    from sdssim.scenario.explain import timeline_of

    def events() -> Iterator[dict[str, Any]]:
        with open(os.path.join(out_dir, "events.jsonl"), encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)

    return timeline_of(result, events())


#: characters rich rewrites (control codes dropped, tabs expanded): such lines go through it
_NOT_PLAIN = re.compile(r"[\x00-\x1f\x7f]")


def _report(console: Console, scenario: Any, scenario_path: str, result: Any, out_dir: str,
            lines: Iterable[Any] | None, counts: dict[str, int]) -> int:
    """Print the header, the timeline (unless ``lines`` is ``None``) and the verdict; the
    exit code."""
    console.print(f"[bold]{escape(scenario.name)}[/bold]  ({escape(scenario_path)}, "
                  f"seed {result.seed})")
    if lines is not None:
        print_timeline(console, lines)
    _verdict(console, result, out_dir, counts)
    return EXIT_OK if result.passed else EXIT_FAILED


def print_timeline(console: Console, lines: Iterable[Any]) -> None:
    """One line per timeline :class:`~sdssim.scenario.explain.Line`, failed checks in red."""
    from sdssim.scenario.explain import stamp

    # Off a terminal rich writes a line of plain text as it is (no styles; no wrapping with
    # soft_wrap): write those directly, a hundred times faster than through rich.
    plain = console.file if console.soft_wrap and not console.is_terminal \
        and console.color_system is None and not console.record \
        and not console.is_jupyter else None
    marks = {"action": "▸", "fault": "⚡"}
    when = shown = None  # lines at one instant come together: format each time once
    unsafe = _NOT_PLAIN.search
    for line in lines:
        kind = line.kind
        mark = ("✓" if line.ok else "✗") if kind == "check" else marks.get(kind, " ")
        if line.time != when:
            when = line.time
            shown = f"{stamp(when):<19}"
        text = f"  {shown}  {mark} {line.subject:<24} {line.text}\n"
        if plain is not None and not unsafe(text, 0, len(text) - 1):
            plain.write(text)
        else:
            console.print(escape(text[:-1]), style=None if line.ok else "red")


def _verdict(console: Console, result: Any, out_dir: str, counts: dict[str, int]) -> None:
    from sdssim.clock import format_timestamp
    from sdssim.outputs.jsonl import EXPECTATIONS_FILE
    from sdssim.scenario.results import show

    if result.failures:
        console.print("")
        console.print(f"[bold red]{len(result.failures)} expectation(s) failed:[/bold red]")
        for failure in result.failures:
            console.print(
                f"  {escape(failure.file)}:{failure.line}:{failure.column}: at "
                f"{format_timestamp(failure.time)} {escape(failure.subject)} "
                f"{escape(failure.field)}: expected {escape(show(failure.expected))}, "
                f"actual {escape(show(failure.actual))}")
    files = ", ".join(f"{name} ({n:,} lines)" for name, n in counts.items())
    files += f", {EXPECTATIONS_FILE} ({len(result.checks):,} checks)"
    console.print(f"Wrote {escape(out_dir)}: {files}")
    if result.until is not None:
        skipped = result.checks_skipped
        console.print(f"Stopped at {format_timestamp(result.until)} (--until): "
                      f"{skipped:,} later check(s) not evaluated.")
    total = result.checks_passed + len(result.failures)
    if result.passed:
        console.print(f"[bold green]PASS[/bold green]  {result.checks_passed:,} of "
                      f"{total:,} checks hold")
    else:
        console.print(f"[bold red]FAIL[/bold red]  {len(result.failures):,} of {total:,} "
                      f"checks failed")

