"""Plots of one run (matplotlib, Agg): state timeline, errors over time, quarantine retries.

:func:`plot_run` draws one figure with three axes sharing the time axis:

1. **State timeline** — a Gantt chart with one row per subject × machine and
   one bar per :class:`~sdssim.outputs.runio.Interval` (the bar of the state a
   machine ended the run in reaches the right edge, hatched);
2. **Errors recorded** — the cumulative count of error records, in total and,
   when several subjects have errors, per subject;
3. **Quarantine retry schedule** — for every quarantine series of a job, its
   failed attempts (filled) and the next attempt each one scheduled (hollow),
   placed at their offset from ``seriesBegan``: +6 h, +12 h, +24 h, then daily,
   until the job is disabled.

The figure is a plain :class:`matplotlib.figure.Figure` (no pyplot state), so
tests and notebooks can inspect ``fig.axes`` and the artists on them; it is
drawn with the Agg canvas and never changes pyplot's backend.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import os
from typing import Any

from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, NullLocator

from ..machines.palette import FAMILY_COLORS, family, text_color
from ..machines.palette import STATE_COLORS as PALETTE_COLORS
from ..machines.palette import state_color as _palette_color
from .runio import Interval, Run, parse_time

__all__ = [
    "AXES_TITLES",
    "STATE_COLORS",
    "figure_bytes",
    "plot_run",
    "row_labels",
    "state_color",
]

AXES_TITLES = ("State timeline", "Errors recorded (cumulative)", "Quarantine retry schedule")

#: state name -> colour, one hue per state family (Okabe-Ito, see sdssim.machines.palette)
STATE_COLORS: dict[str, str] = PALETTE_COLORS
#: subjects drawn with a line of their own in the errors panel (the others only in the total)
MAX_SUBJECT_LINES = 8

_HOUR = 3600.0
#: y ticks of the retry schedule, in hours after the series began
_OFFSET_TICKS = [(0, "0"), (6, "+6 h"), (12, "+12 h"), (24, "+24 h"), (48, "+2 d"),
                 (96, "+4 d"), (168, "+7 d"), (336, "+14 d"), (672, "+28 d")]


def state_color(state: str) -> str:
    """The colour of ``state`` in the timeline (its family's; grey for unknown names)."""
    return _palette_color(state)


def row_labels(run: Run) -> list[tuple[str, str]]:
    """The (subject, machine) rows of the timeline, top to bottom."""
    return [(s, m) for s in run.subjects() for m in run.machines(s)]


def _bounds(run: Run) -> tuple[_dt.datetime, _dt.datetime, _dt.datetime]:
    """(start, end of the records, right edge of the plot)."""
    start, end = run.start, run.end
    if start is None or end is None:
        start = end = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
    span = end - start
    pad = max(span * 0.03, _dt.timedelta(minutes=1)) if span else _dt.timedelta(hours=1)
    return start, end, end + pad


def _timeline(ax: Any, run: Run, right: _dt.datetime) -> None:
    rows = row_labels(run)
    by_row: dict[tuple[str, str], list[Interval]] = {r: [] for r in rows}
    for iv in run.intervals():
        by_row[(iv.subject, iv.machine)].append(iv)
    left = mdates.date2num(_bounds(run)[0])
    full = max(mdates.date2num(right) - left, 1e-9)
    seen: dict[str, None] = {}
    for y, row in enumerate(rows):
        ivs = by_row[row]
        if not ivs:
            continue
        starts = [mdates.date2num(iv.start) for iv in ivs]
        ends = [mdates.date2num(right if iv.open else iv.end) for iv in ivs]
        widths = [e - s for s, e in zip(starts, ends, strict=True)]
        bars = ax.barh([y] * len(ivs), widths, left=starts, height=0.62,
                       color=[state_color(iv.state) for iv in ivs], edgecolor="#333333",
                       linewidth=0.6, label=f"{row[0]} {row[1]}")
        for bar, iv, s, w in zip(bars, ivs, starts, widths, strict=True):
            seen.setdefault(iv.state, None)
            bar.set_gid(f"{iv.subject}|{iv.machine}|{iv.state}")
            if iv.open:
                bar.set_hatch("//")
            # label the bar when the text fits (about 0.0085 of the width per character)
            if w / full > 0.0085 * (len(iv.state) + 2):
                ax.text(s + w / 2, y, iv.state, ha="center", va="center", fontsize=8,
                        clip_on=True, color=text_color(state_color(iv.state)))
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{run.display_name(s)}  {m}" for s, m in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_title(AXES_TITLES[0], loc="left", fontsize=11, fontweight="bold")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if seen:
        # grouped by family, in the palette's order (running, working, waiting, ...)
        order = {f: i for i, f in enumerate(FAMILY_COLORS)}
        states = sorted(seen, key=lambda st: order.get(family(st), len(order)))
        handles = [Patch(facecolor=state_color(st), edgecolor="#333333",
                         label=st) for st in states]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7,
                  title="state", title_fontsize=8, frameon=False)
    if not rows:
        ax.text(0.5, 0.5, "no state changes in this run", transform=ax.transAxes,
                ha="center", va="center", color="#777777")


def _errors(ax: Any, run: Run, start: _dt.datetime, right: _dt.datetime) -> None:
    times: list[_dt.datetime] = []
    by_subject: dict[str, list[_dt.datetime]] = {}
    for e in run.errors:
        t = parse_time(e["time"])
        times.append(t)
        by_subject.setdefault(e["subject"], []).append(t)
    series: list[tuple[str, list[_dt.datetime]]] = [("all subjects", times)]
    hidden = 0
    if len(by_subject) > 1:
        # the subjects with most errors first (ties: order of appearance)
        ranked = sorted(by_subject.items(), key=lambda kv: -len(kv[1]))
        series += [(run.display_name(s), ts) for s, ts in ranked[:MAX_SUBJECT_LINES]]
        hidden = max(len(ranked) - MAX_SUBJECT_LINES, 0)
    for i, (label, ts) in enumerate(series):
        xs = [start, *ts, right]
        ys = [0, *range(1, len(ts) + 1), len(ts)]
        ax.step(xs, ys, where="post", label=label, linewidth=2.0 if i == 0 else 1.2,
                color="#c62828" if i == 0 else None)
    ax.set_title(AXES_TITLES[1], loc="left", fontsize=11, fontweight="bold")
    ax.set_ylabel("errors")
    ax.set_ylim(bottom=0, top=max(len(times) * 1.08, 1))
    ax.grid(color="#dddddd", linewidth=0.6)
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7,
                       frameon=False)
    if hidden:
        legend.set_title(f"{hidden} more subject(s) not drawn", prop={"size": 7})
    if not times:
        ax.text(0.5, 0.5, "no error records in this run", transform=ax.transAxes,
                ha="center", va="center", color="#777777")


def _quarantine(ax: Any, run: Run) -> None:
    rows = run.quarantine_attempts()
    series: dict[tuple[str, _dt.datetime], list[dict[str, Any]]] = {}
    for r in rows:
        series.setdefault((r["subject"], r["seriesBegan"]), []).append(r)
    disabled: dict[str, list[_dt.datetime]] = {}
    for e in run.events:
        if e["machine"] == "quarantine" and e["to"] == "disabled":
            disabled.setdefault(e["subject"], []).append(parse_time(e["time"]))
    # name every series in the legend while there are few; otherwise one generic entry each
    named = len(series) <= MAX_SUBJECT_LINES // 2
    top = 24.0
    done: set[str] = set()
    drew_disabled = False
    for n, ((subject, began), rs) in enumerate(series.items()):
        color = f"C{n % 10}"
        prefix = f"{run.display_name(subject)}: " if named else ""
        hide = "" if named or n == 0 else "_"  # matplotlib leaves "_..." labels out
        att_t = [r["time"] for r in rs]
        att_y = [(r["time"] - began).total_seconds() / _HOUR for r in rs]
        nxt = [r for r in rs if r["nextAttempt"] is not None]
        nxt_t = [r["nextAttempt"] for r in nxt]
        nxt_y = [(r["nextAttempt"] - began).total_seconds() / _HOUR for r in nxt]
        ax.plot(att_t, att_y, linestyle="-", linewidth=0.8, marker="o", markersize=5,
                color=color, label=f"{hide}{prefix}failed attempts", gid=f"attempts|{subject}")
        ax.plot(nxt_t, nxt_y, linestyle="", marker="o", markersize=8, markerfacecolor="none",
                color=color, label=f"{hide}{prefix}next attempt scheduled",
                gid=f"next|{subject}")
        # the wait from each attempt to the one it scheduled, as one dotted line
        wx: list[float] = []
        wy: list[float] = []
        for r, y in zip(nxt, nxt_y, strict=True):
            wx += [mdates.date2num(r["time"]), mdates.date2num(r["nextAttempt"]), math.nan]
            wy += [y, y, math.nan]
        if wx:
            ax.plot(wx, wy, linestyle=":", linewidth=0.8, color=color, label="_wait",
                    gid=f"wait|{subject}")
        for x, y in zip(nxt_t[:3], nxt_y[:3], strict=True):
            ax.annotate(f"+{y:g} h", (mdates.date2num(x), y), textcoords="offset points",
                        xytext=(6, 4), fontsize=7, color=color)
        top = max(top, *att_y, *nxt_y)
        if subject not in done:
            done.add(subject)
            for t in disabled.get(subject, ()):
                label = f"{prefix}disabled" if named or not drew_disabled else "_disabled"
                ax.axvline(t, color="#b71c1c", linestyle="--", linewidth=1, label=label)
                drew_disabled = True
    ax.set_title(AXES_TITLES[2], loc="left", fontsize=11, fontweight="bold")
    ax.set_ylabel("after series began")
    ax.set_yscale("symlog", linthresh=24, linscale=1.5)
    ticks = [(v, t) for v, t in _OFFSET_TICKS if v <= top * 1.05] or _OFFSET_TICKS[:4]
    ax.yaxis.set_major_locator(FixedLocator([v for v, _ in ticks]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_yticklabels([t for _, t in ticks], fontsize=8)
    ax.set_ylim(-2, top * 1.3)
    ax.grid(color="#dddddd", linewidth=0.6)
    if series:
        legend = ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7,
                           frameon=False)
        if not named:
            legend.set_title(f"{len(series)} quarantine series", prop={"size": 7})
    else:
        ax.text(0.5, 0.5, "no job was quarantined in this run", transform=ax.transAxes,
                ha="center", va="center", color="#777777")


def date_ticks(start: _dt.datetime, right: _dt.datetime) -> tuple[list[_dt.datetime], str]:
    """Major ticks covering ``start``..``right`` and their ``strftime`` format.

    Every day (midnight UTC) for up to 14 days, every week from the first day on
    for longer runs (so the first month is labelled too), hours within two days;
    the start itself is a tick when the first round time is more than half a
    step after it.
    Every label names its month: ``01 Aug``, not ``01``.
    """
    span = right - start
    if span <= _dt.timedelta(days=2):
        step = _dt.timedelta(hours=next(h for h in (1, 2, 3, 6, 12, 24)
                                        if span / _dt.timedelta(hours=h) <= 16))
        first = start.replace(minute=0, second=0, microsecond=0)
        fmt = "%d %b %H:%M"
    else:
        days = 1 if span <= _dt.timedelta(days=14) else 7 * max(1, math.ceil(span.days / 7 / 16))
        step = _dt.timedelta(days=days)
        first = start.replace(hour=0, minute=0, second=0, microsecond=0)
        fmt = "%d %b"
    ticks = []
    t = first if first >= start else first + step
    if t - start >= step / 2:  # the first day (or hour) is labelled at the start itself
        ticks.append(start)
    while t <= right:
        ticks.append(t)
        t += step
    return ticks, fmt


def _date_axis(ax: Any, start: _dt.datetime, right: _dt.datetime) -> None:
    ticks, fmt = date_ticks(start, right)
    ax.xaxis.set_major_locator(FixedLocator([mdates.date2num(t) for t in ticks]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt, tz=_dt.timezone.utc))
    if fmt == "%d %b" and len(ticks) > 1 and (ticks[1] - ticks[0]).days > 1:
        ax.xaxis.set_minor_locator(mdates.DayLocator(tz=_dt.timezone.utc))
    for label in ax.get_xticklabels():
        label.set_fontsize(8)


def plot_run(run: Run, out_path: str | os.PathLike[str] | None = None, *,
             title: str | None = None, dpi: int = 110) -> Figure:
    """The three-panel figure of ``run``; also saved to ``out_path`` when given.

    The file format follows the suffix of ``out_path`` (``.png``, ``.svg``,
    ``.pdf``).  Axes, in order: :data:`AXES_TITLES`.
    """
    start, _end, right = _bounds(run)
    rows = len(row_labels(run))
    height = 1.4 + max(rows, 1) * 0.38 + 2.4 + 2.6
    fig = Figure(figsize=(13, height), layout="constrained", dpi=dpi)
    FigureCanvasAgg(fig)  # Agg, without touching pyplot's global backend
    axes = fig.subplots(3, 1, sharex=True,
                        height_ratios=[max(rows, 1) * 0.38 + 0.6, 2.2, 2.4])
    _timeline(axes[0], run, right)
    _errors(axes[1], run, start, right)
    _quarantine(axes[2], run)
    axes[2].set_xlim(start, right)
    _date_axis(axes[2], start, right)
    axes[2].set_xlabel("virtual time (UTC)")
    where = f" — {run.path}" if run.path is not None else ""
    fig.suptitle(title or run.name or f"sdssim run{where}", fontsize=13, fontweight="bold")
    if out_path is not None:
        fig.savefig(os.fspath(out_path))
    return fig


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """``fig`` rendered to bytes (``png`` or ``svg``)."""
    import matplotlib

    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    # SVG text stays text (searchable, selectable, readable by a screen reader), not paths
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "sdssim"}):
        fig.savefig(buf, format=fmt, metadata=metadata)
    return buf.getvalue()
