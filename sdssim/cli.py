"""The ``sdssim`` command line.

``sdssim run``, ``validate``, ``explain``, ``diagram`` and ``schema``.  Exit
codes: 0 all expectations hold (or nothing to report), 1 an expectation
failed, 2 an invalid scenario or a usage error, 3 an internal error (a bug,
"please report"; also resource exhaustion, said as such), 130 interrupted.  Every
error is one ``sdssim: error: ...`` line on stderr (or, for a scenario, one
``FILE:LINE:COLUMN: message`` line per problem), never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from sdssim import __version__
from sdssim.machines import MACHINES

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Fatal(Exception):
    """Stop with ``sdssim: error: <message>`` (none when empty) and an exit code."""

    def __init__(self, message: str, code: int = EXIT_INVALID) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _err(message: str) -> None:
    click.echo(f"sdssim: error: {message}", err=True)


class _Group(click.Group):
    """A click group whose every failure is one readable line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # before click prints its blank line and raises Abort
            raise _Fatal("interrupted", EXIT_INTERRUPTED) from None

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        try:
            code = super().main(args=args, prog_name=prog_name or "sdssim",
                                complete_var=complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            _err(" ".join(exc.format_message().split()))
            code = EXIT_INVALID if isinstance(exc, click.UsageError) else exc.exit_code
        except (click.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            _err("interrupted")
            code = EXIT_INTERRUPTED
        except _Fatal as exc:
            if exc.message:
                _err(exc.message)
            code = exc.code
        except MemoryError:
            _err("resource exhaustion: out of memory (the input asks for more than this "
                 "machine has; make it smaller)")
            code = EXIT_INTERNAL
        except Exception as exc:  # a bug: one line, and the details on request
            if os.environ.get("SDSSIM_DEBUG"):
                raise
            _err(f"internal error (a bug in sdssim, please report it): {type(exc).__name__}: "
                 f"{str(exc)[:300]} (set SDSSIM_DEBUG=1 for the traceback)")
            code = EXIT_INTERNAL
        sys.exit(code if isinstance(code, int) else EXIT_OK)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="sdssim", message="%(prog)s %(version)s")
def main() -> None:
    """Deterministic simulator of School Data Sync profiles and Graph provisioning jobs."""


# -- helpers -------------------------------------------------------------------------------

def _load(path: str) -> Any:
    """Load a scenario, turning every failure into problems or one error line."""
    from sdssim.errors import ScenarioError
    from sdssim.scenario import load

    try:
        return load(path)
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise _Fatal("", EXIT_INVALID) from None
    except UnicodeDecodeError as exc:
        raise _Fatal(f"cannot read {path!r}: not UTF-8 text (byte {exc.start})") from None
    except IsADirectoryError:
        raise _Fatal(f"cannot read {path!r}: it is a directory") from None
    except OSError as exc:
        raise _Fatal(f"cannot read {path!r}: {exc.strerror or exc}") from None


def _run(scenario: Any, seed: int | None, until: str | None, console: Console,
         progress: str = "auto") -> Any:
    from sdssim.progress import reporter
    from sdssim.scenario import run

    try:
        with reporter(progress, f"simulating {scenario.name}") as report:
            return run(scenario, seed=seed, until=until, progress=report)
    except ValueError as exc:  # --until before the start, or not a time
        raise _Fatal(f"--until: {exc}") from None


def _progress_option(f: Any) -> Any:
    return click.option("--progress", type=click.Choice(("auto", "bar", "lines", "none")),
                        default="auto", show_default=True,
                        help="Show progress on stderr: a bar with ETA (terminal), a line every "
                             "5 s (auto when not a terminal), or none.")(f)


def _seed_option(f: Any) -> Any:
    return click.option("--seed", type=click.IntRange(min=0), default=None,
                        help="Override the scenario's seed.")(f)


def _until_option(f: Any) -> Any:
    return click.option("--until", metavar="T", default=None,
                        help="Stop at T (absolute, or +duration from the start); later "
                             "expectations are not evaluated.")(f)


def _check_until(scenario: Any, until: str | None) -> None:
    if until is None:
        return
    from sdssim.scenario import parse_time

    try:
        parse_time(until, scenario.start)
    except ValueError as exc:
        raise _Fatal(f"--until: {exc}") from None


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True, emoji=False)


# -- run ----------------------------------------------------------------------------------

@main.command("run")
@click.argument("scenario_path", metavar="SCENARIO")
@_seed_option
@_until_option
@click.option("--out", "out_dir", metavar="DIR", default=None,
              help="Write events.jsonl, snapshots.jsonl, errors.jsonl and expectations.json "
                   "here (default: out/<scenario file name>).")
@click.option("--force", is_flag=True, help="Replace DIR when it exists and is not empty.")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures and the verdict.")
@click.option("--checkpoint-every", "every", metavar="DURATION", default=None,
              help="Keep a checkpoint in DIR/checkpoints/ each DURATION of virtual time "
                   "(e.g. P1D); 'sdssim resume DIR' finishes an interrupted run.")
@_progress_option
def run_cmd(scenario_path: str, seed: int | None, until: str | None, out_dir: str | None,
            force: bool, quiet: bool, every: str | None, progress: str) -> int:
    """Run SCENARIO, write its records as JSON Lines and check its expectations.

    The files are written into a temporary sibling of DIR and renamed into place
    when complete, with manifest.json (sizes and SHA-256) written last."""
    from sdssim.outputs.rundir import OutputExists, check_target

    scenario = _load(scenario_path)
    _check_until(scenario, until)
    console = _console()
    if out_dir is None:
        stem = os.path.splitext(os.path.basename(scenario_path))[0] or "scenario"
        out_dir = os.path.join("out", stem)
    try:
        check_target(out_dir, force=force)  # refuse before spending the run's time
    except OutputExists as exc:
        raise _Fatal(str(exc)) from None
    if every is not None:
        from sdssim.cli_checkpoints import run_checkpointed

        result = run_checkpointed(scenario, scenario_path, out_dir, every, seed, until)
    else:
        result = _run(scenario, seed, until, console, progress)
    return _finish(console, scenario, scenario_path, result, out_dir, quiet)


def _finish(console: Console, scenario: Any, scenario_path: str, result: Any, out_dir: str,
            quiet: bool) -> int:
    """Write a finished run's outputs, print its timeline and verdict; the exit code."""
    from sdssim.outputs.jsonl import write_simulation
    from sdssim.outputs.rundir import OutputExists, write_run
    from sdssim.scenario.explain import stamp, timeline

    def write(tmp: Any) -> dict[str, int]:
        counts = write_simulation(result.sim, tmp)
        with open(os.path.join(tmp, "expectations.json"), "w", encoding="utf-8",
                  newline="\n") as fh:
            json.dump([c.to_json() for c in result.checks], fh, indent=1, sort_keys=True)
            fh.write("\n")
        with open(os.path.join(tmp, "scenario.json"), "w", encoding="utf-8",
                  newline="\n") as fh:  # plot and report titles, subject names
            json.dump({"name": scenario.name, "file": os.path.basename(scenario_path),
                       "seed": result.seed, "labels": result.labels}, fh, indent=1,
                      sort_keys=True)
            fh.write("\n")
        return counts

    try:
        # the caller refused a non-empty DIR already (run), or owns it (resume): replace it
        # whole, keeping a checkpointed run's checkpoints/
        counts = write_run(out_dir, write, force=True, keep=("checkpoints",))
    except OutputExists as exc:
        raise _Fatal(str(exc)) from None
    except OSError as exc:
        raise _Fatal(f"cannot write to {out_dir!r}: {exc.strerror or exc}") from None

    console.print(f"[bold]{escape(scenario.name)}[/bold]  ({escape(scenario_path)}, "
                  f"seed {result.seed})")
    if not quiet:
        for line in timeline(result):
            style = "" if line.ok else "red"
            mark = {"action": "▸", "fault": "⚡", "check": "✓" if line.ok else "✗"}.get(
                line.kind, " ")
            text = f"  {stamp(line.time):<19}  {mark} {line.subject:<24} {line.text}"
            console.print(escape(text), style=style or None)
    _verdict(console, result, out_dir, counts)
    return EXIT_OK if result.passed else EXIT_FAILED


def _verdict(console: Console, result: Any, out_dir: str, counts: dict[str, int]) -> None:
    from sdssim.clock import format_timestamp

    if result.failures:
        console.print("")
        console.print(f"[bold red]{len(result.failures)} expectation(s) failed:[/bold red]")
        for failure in result.failures:
            console.print(
                f"  {escape(failure.file)}:{failure.line}:{failure.column}: at "
                f"{format_timestamp(failure.time)} {escape(failure.subject)} "
                f"{escape(failure.field)}: expected {escape(_show(failure.expected))}, "
                f"actual {escape(_show(failure.actual))}")
    files = ", ".join(f"{name} ({n:,} lines)" for name, n in counts.items())
    files += f", expectations.json ({len(result.checks):,} checks)"
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


def _show(value: Any) -> str:
    from sdssim.scenario.results import MISSING

    if value is MISSING:
        return "<missing>"
    return json.dumps(value) if not isinstance(value, str) else repr(value)


# -- validate -----------------------------------------------------------------------------

@main.command("validate")
@click.argument("paths", metavar="SCENARIO...", nargs=-1, required=True)
def validate_cmd(paths: tuple[str, ...]) -> int:
    """Check scenario files without running them."""
    from sdssim.errors import ScenarioError
    from sdssim.scenario import load

    code = EXIT_OK
    for path in paths:
        try:
            load(path)
        except ScenarioError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            code = EXIT_INVALID
        except UnicodeDecodeError as exc:
            _err(f"cannot read {path!r}: not UTF-8 text (byte {exc.start})")
            code = EXIT_INVALID
        except IsADirectoryError:
            _err(f"cannot read {path!r}: it is a directory")
            code = EXIT_INVALID
        except OSError as exc:
            _err(f"cannot read {path!r}: {exc.strerror or exc}")
            code = EXIT_INVALID
        else:
            click.echo(f"{path}: ok")
    return code


# -- explain ------------------------------------------------------------------------------

@main.command("explain")
@click.argument("scenario_path", metavar="SCENARIO")
@_seed_option
@_until_option
@_progress_option
def explain_cmd(scenario_path: str, seed: int | None, until: str | None, progress: str) -> int:
    """Tell, in plain English, what happens in SCENARIO and why (or compare a whatif DIR)."""
    from sdssim.scenario.explain import clock_text, narrate

    if os.path.isdir(scenario_path):
        return _explain_whatif(scenario_path)
    scenario = _load(scenario_path)
    _check_until(scenario, until)
    console = _console()
    result = _run(scenario, seed, until, console, progress)
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
        raise _Fatal(f"cannot read the comparison in {directory!r}: {exc}") from None
    if comp is None:
        raise _Fatal(f"{directory!r} is a directory but not a 'sdssim whatif' output")
    console = _console()
    for line in comparison_lines(comp):
        console.print(escape(line))
    return EXIT_OK


# -- diagram, schema ----------------------------------------------------------------------

@main.command("diagram")
@click.argument("machine", metavar="MACHINE", type=click.Choice(MACHINES))
@click.option("--format", "fmt", type=click.Choice(("mermaid", "dot")), default="mermaid",
              show_default=True, help="Diagram language.")
def diagram_cmd(machine: str, fmt: str) -> int:
    """Print the state diagram of MACHINE (Mermaid or Graphviz dot)."""
    from sdssim.machines import to_dot, to_mermaid

    text = to_mermaid(machine) if fmt == "mermaid" else to_dot(machine)
    click.echo(text, nl=False)
    return EXIT_OK


@main.command("schema")
def schema_cmd() -> int:
    """Print the scenario JSON Schema."""
    from sdssim.scenario import schema

    click.echo(json.dumps(schema(), indent=2))
    return EXIT_OK


# -- serve ----------------------------------------------------------------------------------

@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on.")
@click.option("--scenario", "scenario_path", metavar="FILE", default=None,
              help="Preload this scenario's profiles, jobs and faults.")
@_seed_option
@click.option("--clock", type=click.Choice(("virtual", "realtime")), default="virtual",
              show_default=True, help="virtual: time moves only via /_sdssim/clock/advance.")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=1.0,
              show_default=True, help="Virtual seconds per wall second (realtime clock).")
@click.option("--token", default=None, help="Accept only this bearer token (default: any).")
@click.option("--rate-limit", default=None, metavar="N/SECONDS",
              help="Answer 429 past N Graph requests per SECONDS, e.g. 5/10s.")
@click.option("--page-size", type=click.IntRange(1, 999), default=None,
              help="Largest page of a collection (default 100).")
@click.option("--state", "state_path", metavar="FILE", default=None,
              help="Keep the simulation in this SQLite file: a restart (even after a kill) "
                   "carries on where it stopped.")
@click.option("--control-token", default=None,
              help="Bearer token for the control API under /_sdssim (default: --token).")
@click.option("--max-body", type=click.IntRange(min=0), default=None, metavar="BYTES",
              help="Largest request body; larger ones get 413 (default 16 MiB).")
@click.option("--max-records", type=click.IntRange(min=1), default=None, metavar="N",
              help="Records kept for /_sdssim/events (default 200,000; older ones are dropped).")
@click.option("--max-requests", type=click.IntRange(min=1), default=None, metavar="N",
              help="Entries kept in the request log (default 50,000).")
@click.option("--tls", is_flag=True, help="Serve HTTPS with a certificate from the local CA.")
@click.option("--proxy", is_flag=True,
              help="Be an HTTPS proxy that serves graph.microsoft.com and "
                   "login.microsoftonline.com itself (docs/clients.md).")
@click.option("--ca-dir", default=None, metavar="DIR",
              help="Where the local CA is kept (default ~/.local/share/sdssim/ca).")
def serve_cmd(host: str, port: int, scenario_path: str | None, seed: int | None, clock: str,
              speed: float, token: str | None, rate_limit: str | None,
              page_size: int | None, control_token: str | None, max_body: int | None,
              max_records: int | None, max_requests: int | None,
              state_path: str | None = None, tls: bool = False,
              proxy: bool = False, ca_dir: str | None = None) -> int:
    """Serve a fake Microsoft Graph (beta and v1.0) over one simulation (docs/server.md)."""
    try:  # the server extra is optional: import it only here
        from sdssim.server.app import create_app  # noqa: F401
        from sdssim.server.serve import bind, build_simulation, serve
        from sdssim.server.throttling import RateLimit
    except ImportError as exc:
        raise _Fatal(f"sdssim serve needs the server extra: pip install 'sdssim[server]' "
                     f"({exc})") from None
    if rate_limit is not None:
        try:
            RateLimit.parse(rate_limit)
        except ValueError as exc:
            raise _Fatal(str(exc)) from None
    if tls and proxy:
        raise click.UsageError("--tls and --proxy exclude each other (the proxy speaks TLS "
                               "to its clients itself)")
    if (tls or proxy) and not _has_cryptography():
        raise _Fatal("--tls and --proxy need the cryptography package: "
                     "pip install 'sdssim[server]'")
    from sdssim.server.retention import DEFAULT_MAX_RECORDS, RecordBuffer
    from sdssim.server.serve import UnsafeBind, check_bind

    try:
        warning = check_bind(host, token, control_token)
    except UnsafeBind as exc:
        raise _Fatal(str(exc)) from None
    if warning:
        click.echo(warning, err=True)
    scenario = _load(scenario_path) if scenario_path else None
    store = None
    labels: dict[str, str] = {}
    records = None
    if state_path is not None:  # a persistent simulation keeps its own records
        from sdssim.server.persist import open_state

        built: list[str] = []

        def build() -> Any:
            made, notes = build_simulation(scenario, seed, labels=labels)
            built.extend(notes)
            return made

        try:
            sim, store, note = open_state(state_path, build)
        except (ValueError, OSError) as exc:
            raise _Fatal(str(exc)) from None
        notes = built + [note]
    else:
        records = RecordBuffer(max_records or DEFAULT_MAX_RECORDS)
        sim, notes = build_simulation(scenario, seed, labels=labels, records=records)
    try:  # bind before printing anything: a busy port is one line and exit 2
        sock = bind(host, port)
    except OSError as exc:
        raise _Fatal(str(exc)) from None
    for note in notes:
        click.echo(note)
    if not (tls or proxy):
        origin = f"http://{'[' + host + ']' if ':' in host else host}:{sock.getsockname()[1]}"
        click.echo(f"sdssim: Graph on {origin}/beta and /v1.0, control API under "
                   f"/_sdssim ({clock} clock)")
        click.echo(f"sdssim: dashboard on {origin}/_sdssim/ui"
                   + ("?token=<the --token value>" if token else ""))
    try:
        serve(sim, host=host, port=port, token=token, rate_limit=rate_limit, clock=clock,
              speed=speed, page_size=page_size, control_token=control_token,
              max_body=max_body, records=records, max_requests=max_requests, store=store,
              labels=labels, sock=sock, tls=tls, proxy=proxy, ca_dir=ca_dir, echo=click.echo)
    except (ValueError, OSError) as exc:  # a broken CA directory, a port in use
        raise _Fatal(f"sdssim serve: {exc}") from None
    return EXIT_OK


def _has_cryptography() -> bool:
    import importlib.util

    return importlib.util.find_spec("cryptography") is not None


@main.command("scorecard")
@click.argument("source", metavar="URL_OR_FILE")
@click.option("--json", "as_json", is_flag=True, help="Print the scorecard as JSON.")
def scorecard_cmd(source: str, as_json: bool) -> int:
    """Grade a client from the requests a fake Graph server saw.

    URL_OR_FILE is a running server's base URL (http://127.0.0.1:8765) or a file
    saved from GET /_sdssim/requests. Exits 1 when a check failed.
    """
    from sdssim.server.scorecard import grade, load_requests

    try:
        entries = load_requests(source)
    except ImportError as exc:
        raise _Fatal(f"reading a server needs httpx: pip install 'sdssim[server]' ({exc})") from None
    except (OSError, ValueError) as exc:
        raise _Fatal(f"cannot read requests from {source}: {exc}") from None
    except Exception as exc:  # httpx.HTTPError and friends: one readable line
        raise _Fatal(f"cannot read requests from {source}: {type(exc).__name__}: {exc}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "seq" in e
                                                for e in entries):
        raise _Fatal(f"{source} does not hold a request log (GET /_sdssim/requests)")
    try:
        card = grade(entries)
    except (KeyError, TypeError, ValueError) as exc:
        raise _Fatal(f"{source}: malformed request log entry ({exc})") from None
    if as_json:
        click.echo(json.dumps(card, indent=2, sort_keys=True))
    else:
        click.echo(f"{card['requests']} requests; statuses "
                   + ", ".join(f"{k}: {v}" for k, v in card["statuses"].items()))
        for name, check in card["checks"].items():
            detail = ", ".join(f"{k}={v}" for k, v in check.items()
                               if k != "result" and not isinstance(v, (list, dict)))
            click.echo(f"  {check['result']:>13}  {name}  {detail}".rstrip())
        click.echo(f"{card['passed']} passed, {card['failed']} failed, "
                   f"{card['notExercised']} not exercised")
    return EXIT_FAILED if card["failed"] else EXIT_OK


def _load_run(run_dir: str):
    from sdssim.outputs.rundir import verify_manifest
    from sdssim.outputs.runio import RunError, load_run

    try:
        verify_manifest(run_dir)  # a half-written or changed run is refused
        return load_run(run_dir)
    except (RunError, OSError) as exc:
        raise _Fatal(f"{run_dir}: {exc}") from None


@main.command("plot")
@click.argument("run_dir", metavar="RUN_DIR")
@click.option("--out", "out_path", required=True, metavar="FILE.png",
              help="Image to write (.png, .svg or .pdf).")
def plot_cmd(run_dir: str, out_path: str) -> int:
    """Plot a run: state timeline, errors over time, quarantine retry schedule."""
    try:
        from sdssim.outputs.plots import plot_run
    except ImportError as exc:
        raise _Fatal(f"sdssim plot needs matplotlib: pip install 'sdssim[plots]' ({exc})") from None
    run = _load_run(run_dir)
    try:
        plot_run(run, out_path)
    except (OSError, ValueError) as exc:
        raise _Fatal(f"cannot write {out_path}: {exc}") from None
    click.echo(f"Wrote {out_path}")
    return EXIT_OK


@main.command("report")
@click.argument("run_dir", metavar="RUN_DIR")
@click.option("--html", "html_path", required=True, metavar="FILE",
              help="Self-contained HTML page to write.")
@click.option("--title", default=None, help="Page title (default: the run directory's name).")
def report_cmd(run_dir: str, html_path: str, title: str | None) -> int:
    """Write one self-contained HTML page for a run (timeline, diagrams, errors, checks).

    For a ``sdssim whatif`` directory, the page shows the two futures side by side.
    """
    if os.path.isfile(os.path.join(run_dir, "comparison.json")):
        return _report_whatif(run_dir, html_path, title)
    try:
        import matplotlib  # noqa: F401  (the report's plot; imported late by write_report)

        from sdssim.outputs.report import write_report
    except ImportError as exc:
        raise _Fatal(f"sdssim report needs matplotlib: pip install 'sdssim[plots]' ({exc})") from None
    run = _load_run(run_dir)
    try:
        path = write_report(run, html_path, title=title)
    except OSError as exc:
        raise _Fatal(f"cannot write {html_path}: {exc}") from None
    click.echo(f"Wrote {path}")
    return EXIT_OK


def _report_whatif(directory: str, html_path: str, title: str | None) -> int:
    from sdssim.outputs.comparison import comparison_html, load_comparison

    try:
        comp = load_comparison(directory)
        assert comp is not None
        page = comparison_html(comp, title)
        tmp = html_path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(page)
        os.replace(tmp, html_path)
    except (OSError, ValueError) as exc:
        raise _Fatal(f"cannot write the what-if report {html_path}: {exc}") from None
    click.echo(f"Wrote {html_path}")
    return EXIT_OK


# -- sweep --------------------------------------------------------------------------------

@main.command("sweep")
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
@_progress_option
def sweep_cmd(scenario_path: str, seeds: str, workers: int | None, scheduler: str | None,
              grid: tuple[str, ...], out_dir: str | None, chunk: int | None,
              threads: bool, progress: str) -> int:
    """Run SCENARIO over many seeds (and a grid of settings) on Dask; write a table of
    outcomes per seed and a summary.  Exit 0 when the sweep ran, whatever the outcomes."""
    from sdssim.sweep import MissingDask, parse_grid, parse_seeds, run_sweep

    try:
        parse_seeds(seeds)
    except ValueError as exc:
        raise _Fatal(f"--seeds: {exc}") from None
    try:
        parse_grid(grid)
    except ValueError as exc:
        raise _Fatal(f"--grid: {exc}") from None
    _load(scenario_path)  # problems are reported before any cluster starts
    if out_dir is None:
        stem = os.path.splitext(os.path.basename(scenario_path))[0] or "scenario"
        out_dir = os.path.join("out", f"{stem}-sweep")
    from sdssim.progress import reporter

    try:
        with reporter(progress, f"sweeping {os.path.basename(scenario_path)}") as report:
            result = run_sweep(scenario_path, seeds, workers=workers, scheduler=scheduler,
                               grid=grid, out_dir=out_dir, processes=not threads, chunk=chunk,
                               progress=report)
    except MissingDask as exc:
        raise _Fatal(str(exc)) from None
    except ValueError as exc:
        raise _Fatal(str(exc)) from None
    except OSError as exc:
        raise _Fatal(f"cannot write to {out_dir!r}: {exc.strerror or exc}") from None
    console = _console()
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


# The checkpoint commands (resume, whatif) live in their own module and register themselves.
from sdssim import cli_checkpoints as _cli_checkpoints  # noqa: E402,F401
