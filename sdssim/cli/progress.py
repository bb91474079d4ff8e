"""Progress of long CLI work on stderr: a bar with an ETA on a terminal, lines otherwise.

``--progress`` modes:

``auto`` (default)
    ``bar`` when stderr is a terminal, else ``lines``; ``none`` when the
    environment variable ``SDSSIM_NO_PROGRESS`` is set.
``bar``
    a rich bar that fits in 80 columns: what is running, the bar, percent,
    time elapsed and ``ETA`` (time remaining); gone when the work ends.
``lines``
    one line at most every ``interval`` seconds (5 by default) of the
    *monotonic* wall clock, e.g. ``sdssim: simulating "Forgotten job": 43%,
    12 s elapsed, about 16 s left``; nothing at all for work that ends sooner.
``none``
    nothing.

The wall clock is read here, in the command-line layer, never inside the
simulation: the simulation only reports how much of its virtual span (or how
many runs of a sweep) are done, so outputs stay byte-identical with any mode.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

__all__ = ["MODES", "Report", "reporter", "resolve_mode", "line_text"]

MODES = ("auto", "bar", "lines", "none")
#: (work done, work in all): virtual seconds of a run, or runs of a sweep
Report = Callable[[float, float], None]
DEFAULT_INTERVAL = 5.0


def resolve_mode(mode: str, stream: Any = None) -> str:
    """``auto`` made concrete for ``stream`` (stderr by default)."""
    if mode not in MODES:
        raise ValueError(f"unknown progress mode {mode!r}; valid: {', '.join(MODES)}")
    if mode != "auto":
        return mode
    if os.environ.get("SDSSIM_NO_PROGRESS"):
        return "none"
    stream = sys.stderr if stream is None else stream
    return "bar" if getattr(stream, "isatty", lambda: False)() else "lines"


def _span(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, m = divmod(minutes, 60)
    return f"{hours} h {m:02d} min"


def line_text(what: str, done: float, total: float, elapsed: float) -> str:
    """One progress line: ``sdssim: WHAT: 43%, 12 s elapsed, about 16 s left``."""
    fraction = min(max(done / total, 0.0), 1.0) if total else 1.0
    text = f"sdssim: {what}: {fraction:.0%}, {_span(elapsed)} elapsed"
    if 0 < fraction < 1:
        text += f", about {_span(elapsed * (1 - fraction) / fraction)} left"
    return text


@contextlib.contextmanager
def reporter(mode: str, what: str, *, stream: IO[str] | None = None,
             interval: float = DEFAULT_INTERVAL, clock: Callable[[], float] = time.monotonic,
             width: int | None = None) -> Iterator[Report]:
    """A progress callback for the ``with`` block, shown as ``mode`` says (module doc)."""
    stream = sys.stderr if stream is None else stream
    mode = resolve_mode(mode, stream)
    if mode == "none":
        yield lambda done, total: None
    elif mode == "lines":
        started = clock()
        state = {"last": started, "printed": False, "done": 0.0, "total": 0.0}

        def report(done: float, total: float) -> None:
            state["done"], state["total"] = done, total
            now = clock()
            if now - state["last"] >= interval:
                state["last"] = now
                state["printed"] = True
                print(line_text(what, done, total, now - started), file=stream, flush=True)

        yield report
        if state["printed"]:
            print(line_text(what, state["total"] or 1, state["total"] or 1, clock() - started),
                  file=stream, flush=True)
    else:
        yield from _bar(what, stream, width)


def _bar(what: str, stream: IO[str], width: int | None) -> Iterator[Report]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    # "bar" asked for by name draws a bar even when stderr is not a terminal
    console = Console(file=stream, width=width, force_terminal=True)
    # 80 columns: 28 description + 1 + 24 bar + 1 + 4 percent + 1 + 7 elapsed + 1 + 11 ETA
    room = max(10, min(28, console.width - 52))
    label = what if len(what) <= room else what[:room - 1] + "…"
    columns = (TextColumn(f"{label:<{room}}", markup=False),
               BarColumn(bar_width=max(10, min(24, console.width - room - 28))),
               TaskProgressColumn(), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn(compact=True))
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(what, total=1.0)

        def report(done: float, total: float) -> None:
            bar.update(task, completed=(done / total) if total else 1.0)

        yield report
