"""``sdssim plot`` and ``sdssim report``: pictures and an HTML page of a finished run."""

from __future__ import annotations

import os
from typing import Any

import click

from sdssim.cli.group import EXIT_OK, Fatal

__all__ = ["plot_cmd", "report_cmd"]


def _load_run(run_dir: str) -> Any:
    """A finished run directory, read back; a half-written or changed one is one error line."""
    from sdssim.outputs.rundir import verify_manifest
    from sdssim.outputs.runio import RunError, load_run

    try:
        verify_manifest(run_dir)  # a half-written or changed run is refused
        return load_run(run_dir)
    except (RunError, OSError) as exc:
        raise Fatal(f"{run_dir}: {exc}") from None


@click.command("plot")
@click.argument("run_dir", metavar="RUN_DIR")
@click.option("--out", "out_path", required=True, metavar="FILE.png",
              help="Image to write (.png, .svg or .pdf).")
def plot_cmd(run_dir: str, out_path: str) -> int:
    """Plot a run: state timeline, errors over time, quarantine retry schedule."""
    try:
        from sdssim.outputs.plots import plot_run
    except ImportError as exc:
        raise Fatal(f"sdssim plot needs matplotlib: pip install 'sdssim[plots]' ({exc})") from None
    run = _load_run(run_dir)
    try:
        plot_run(run, out_path)
    except (OSError, ValueError) as exc:
        raise Fatal(f"cannot write {out_path}: {exc}") from None
    click.echo(f"Wrote {out_path}")
    return EXIT_OK


@click.command("report")
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
        raise Fatal(f"sdssim report needs matplotlib: pip install 'sdssim[plots]' ({exc})") from None
    run = _load_run(run_dir)
    try:
        path = write_report(run, html_path, title=title)
    except OSError as exc:
        raise Fatal(f"cannot write {html_path}: {exc}") from None
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
        raise Fatal(f"cannot write the what-if report {html_path}: {exc}") from None
    click.echo(f"Wrote {html_path}")
    return EXIT_OK

