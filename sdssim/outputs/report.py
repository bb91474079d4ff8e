"""One self-contained HTML page per run: summary, plots, timeline, diagrams, errors, expectations.

The page loads nothing: CSS is inline, the plot is an embedded PNG (``data:``
URL) and the state diagrams are inline SVG drawn by
:func:`sdssim.outputs.diagrams.diagram_svg`, so it opens the same offline, in
a mail attachment or as a CI artifact.  Every piece of text from the run is
HTML-escaped.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from html import escape
from pathlib import Path
from typing import Any

from ..machines.palette import FAMILY_COLORS
from .diagrams import run_diagram, taken_transitions
from .graphviz import machine_svg
from .runio import Interval, Run

__all__ = ["DEFAULT_MAX_ROWS", "render_report", "write_report"]

#: rows of the errors table shown before the rest are summarised
DEFAULT_MAX_ROWS = 1000

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 0 24px 48px; color: #1a1a1a; line-height: 1.4; }
header { border-bottom: 3px solid #1f4fbf; margin-bottom: 12px; }
h1 { font-size: 1.6em; margin: 20px 0 4px; }
h2 { font-size: 1.25em; margin-top: 32px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
h3 { font-size: 1.05em; margin: 20px 0 6px; font-family: monospace; }
h3.plain { font-family: inherit; }
nav a { margin-right: 14px; }
.meta { color: #555; margin: 4px 0 12px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.88em; }
table.errors, table.events, table.expectations { width: 100%; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f3fa; }
td.num { text-align: right; }
td.mono, span.mono { font-family: monospace; }
td.mono { white-space: nowrap; }
.small { font-size: 0.8em; color: #555; }
tr.fail td { background: #fdecea; }
tr.pass td.verdict { color: #1b5e20; font-weight: bold; }
tr.fail td.verdict { color: #b71c1c; font-weight: bold; }
svg.plot { max-width: 100%; height: auto; border: 1px solid #ddd; }
svg.state-diagram { max-width: 100%; height: auto; }
svg.state-diagram { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figure { margin: 12px 0 24px; }
figcaption { color: #444; font-size: 0.9em; margin-top: 4px; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 0.85em; }
.lane { display: flex; align-items: center; margin: 2px 0; }
.lane-name { width: 110px; font-family: monospace; font-size: 0.85em; }
.bar { position: relative; flex: 1; height: 22px; background: #fafafa;
       border: 1px solid #ddd; }
.seg { position: absolute; top: 0; bottom: 0; overflow: hidden; white-space: nowrap;
       font-size: 11px; line-height: 22px; text-align: center;
       border-right: 1px solid #fff; box-sizing: border-box; min-width: 2px; }
.seg.open { background-image: repeating-linear-gradient(45deg, transparent 0 6px,
            rgba(0,0,0,.15) 6px 8px); }
.axis { display: flex; justify-content: space-between; margin-left: 110px;
        color: #666; font-size: 0.8em; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.85em; }
.badge.ok { background: #e8f5e9; color: #1b5e20; }
.badge.bad { background: #fdecea; color: #b71c1c; }
.legend span { display: inline-block; margin-right: 12px; font-size: 0.85em; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
            vertical-align: -1px; border: 1px solid #888; }
"""


def _fmt_time(t: _dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S") + (f".{t.microsecond:06d}".rstrip("0")
                                               if t.microsecond else "") + "Z"


def _fmt_span(delta: _dt.timedelta) -> str:
    secs = int(delta.total_seconds())
    days, rem = divmod(secs, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(p for p in parts if p) or "0 s"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _table(headers: list[str], rows: list[str], cls: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return (f'<table class="{cls}"><thead><tr>{head}</tr></thead>'
            f"<tbody>\n" + "\n".join(rows) + "\n</tbody></table>")


def _summary(run: Run) -> str:
    start, end = run.start, run.end
    rows = [
        ("subjects", str(len(run.subjects()))),
        ("event records", f"{len(run.events):,}"),
        ("snapshot records", f"{len(run.snapshots):,}"),
        ("error records", f"{len(run.errors):,}"),
        ("first record", _fmt_time(start) if start else "—"),
        ("last record", _fmt_time(end) if end else "—"),
        ("virtual time covered", _fmt_span(end - start) if start and end else "—"),
    ]
    verdict = ""
    summary = run.expectation_summary()
    if summary is not None:
        passed, failed = summary
        rows.append(("expectations", f"{passed} passed, {failed} failed"))
        verdict = (f'<p><span class="badge {"bad" if failed else "ok"}" id="verdict">'
                   f'{"FAILED" if failed else "PASSED"}: {passed} of {passed + failed} '
                   f"expectations hold</span></p>")
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    finals = []
    labels = run.labels()
    for subject in run.subjects():
        states = [f"{m} = {run.current(subject, m) or 'removed'}"
                  for m in run.machines(subject)]
        errors = sum(1 for e in run.errors if e["subject"] == subject)
        finals.append(
            f'<tr data-subject="{escape(subject)}"><td class="mono">{escape(subject)}</td>'
            f"<td>{escape(labels.get(subject, ''))}</td>"
            f"<td>{escape(', '.join(states) or '—')}</td>"
            f'<td class="num">{errors:,}</td></tr>')
    return (f'<section id="summary"><h2>Summary</h2>{verdict}'
            f'<table class="summary"><tbody>{body}</tbody></table>'
            '<h3 class="plain">Subjects and the states they ended in</h3>'
            + _table(["subject", "scenario name", "final states", "errors"], finals,
                     "subjects")
            + "</section>")


def _plot_section(run: Run) -> str:
    from .plots import AXES_TITLES, figure_bytes, plot_run

    fig = plot_run(run)
    svg = figure_bytes(fig, "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):].replace(
        "<svg ", f'<svg class="plot" role="img" aria-label="{escape("; ".join(AXES_TITLES))}" ',
        1)
    return ('<section id="plots"><h2>Plots</h2>'
            f'<figure class="plot">{svg}</figure>'
            "<p class=\"meta\">Top: each machine's state over virtual time (hatched: the state "
            "it ended in). Middle: error records so far. Bottom: each failed attempt of a "
            "quarantine series and the next attempt it scheduled, as an offset from the start "
            "of the series (+6 h, +12 h, +24 h, then daily).</p></section>")


def _lanes(run: Run, subject: str, intervals: list[Interval]) -> str:
    from ..machines.palette import text_color
    from .plots import state_color

    start, end = run.start, run.end
    if start is None or end is None:
        return ""
    total = (end - start).total_seconds() or 1.0
    out = ['<div class="lanes">']
    for machine in run.machines(subject):
        segs = []
        for iv in intervals:
            if iv.subject != subject or iv.machine != machine:
                continue
            left = (iv.start - start).total_seconds() / total * 100
            width = max((iv.end - iv.start).total_seconds() / total * 100, 0.0)
            if iv.open:
                width = max(100.0 - left, 0.0)
            tip = (f"{iv.state}: {_fmt_time(iv.start)} – "
                   f"{'end of run' if iv.open else _fmt_time(iv.end)}")
            segs.append(
                f'<span class="seg{" open" if iv.open else ""}" data-state="{escape(iv.state)}" '
                f'style="left:{left:.3f}%;width:{width:.3f}%;'
                f'background-color:{state_color(iv.state)};color:{text_color(state_color(iv.state))}" '
                f'title="{escape(tip)}">'
                f"{escape(iv.state)}</span>")
        out.append(f'<div class="lane" data-machine="{escape(machine)}">'
                   f'<span class="lane-name">{escape(machine)}</span>'
                   f'<div class="bar">{"".join(segs)}</div></div>')
    out.append(f'<div class="axis"><span>{escape(_fmt_time(start))}</span>'
               f"<span>{escape(_fmt_time(end))}</span></div></div>")
    return "".join(out)


def _timeline(run: Run, anchors: dict[str, str]) -> str:
    intervals = run.intervals()
    parts = ['<section id="timeline"><h2>Timeline</h2>']
    if not run.subjects():
        parts.append("<p>This run has no records.</p>")
    for subject in run.subjects():
        label = run.labels().get(subject)
        parts.append(f'<div class="subject" data-subject="{escape(subject)}">'
                     f'<h3 id="{anchors[subject]}">{escape(subject)}</h3>')
        if label:
            parts.append(f'<p class="meta">In the scenario: {escape(label)}</p>')
        parts.append(_lanes(run, subject, intervals))
        rows = []
        for e in run.events:
            if e["subject"] != subject:
                continue
            frm = e["from"] if e["from"] is not None else "—"
            to = e["to"] if e["to"] is not None else "(removed)"
            rows.append(
                f'<tr><td class="mono">{escape(e["time"])}</td><td>{escape(e["machine"])}</td>'
                f"<td>{escape(frm)} → {escape(to)}</td><td>{escape(e['trigger'])}</td>"
                f"<td>{escape(e['cause'])}</td></tr>")
        if rows:
            parts.append(f"<details><summary>{len(rows):,} state change(s)</summary>"
                         + _table(["time", "machine", "transition", "trigger", "cause"], rows,
                                  "events") + "</details>")
        parts.append("</div>")
    parts.append("</section>")
    return "".join(parts)


def _diagrams(run: Run, anchors: dict[str, str]) -> str:
    parts = ['<section id="diagrams"><h2>State diagrams</h2>'
             '<p class="legend">'
             + "".join(f'<span><i style="background:{c}"></i>{f}</span>'
                       for f, c in FAMILY_COLORS.items())
             + '<span><i style="background:#fff;border:3px solid #000"></i>state the run ended '
             'in</span><span><i style="background:#0072B2"></i>transition taken</span></p>']
    for subject in run.subjects():
        machines = run.machines(subject)
        if not machines:
            continue
        parts.append(f"<h3>{escape(subject)}</h3>")
        parts.append(f'<p class="meta">{escape(run.display_name(subject))}</p>')
        for machine in machines:
            svg = machine_svg(machine, current=run.current(subject, machine),
                              path=run.paths(subject).get(machine, []),
                              taken=taken_transitions(run, subject, machine))
            mermaid = run_diagram(run, subject, machine, "mermaid")
            current = run.current(subject, machine) or "removed"
            parts.append(
                f'<figure class="diagram" data-subject="{escape(subject)}" '
                f'data-machine="{escape(machine)}">{svg}'
                f"<figcaption><b>{escape(machine)}</b> machine of "
                f'<a href="#{anchors[subject]}">{escape(subject)}</a>: ended in '
                f"<b>{escape(current)}</b></figcaption>"
                f"<details><summary>Mermaid source</summary><pre>{escape(mermaid)}</pre>"
                "</details></figure>")
    parts.append("</section>")
    return "".join(parts)


def _errors(run: Run, max_rows: int) -> str:
    parts = [f'<section id="errors"><h2>Errors ({len(run.errors):,})</h2>']
    if not run.errors:
        parts.append("<p>This run recorded no errors.</p></section>")
        return "".join(parts)
    rows = []
    for e in run.errors[:max_rows]:
        d = e.get("data") or {}
        code = d.get("errorCode") or d.get("code") or ""
        message = d.get("errorMessage") or d.get("message") or ""
        entry = " ".join(str(x) for x in (d.get("entryType"), d.get("joiningValue")) if x)
        rows.append(
            f'<tr><td class="mono">{escape(e["time"])}</td><td class="mono">'
            f'{escape(e["subject"])}</td><td>{escape(e.get("kind", ""))}</td>'
            f"<td>{escape(str(code))}</td><td>{escape(str(message))}</td>"
            f"<td>{escape(entry)}</td></tr>")
    parts.append(_table(["time", "subject", "kind", "code", "message", "entry"], rows,
                        "errors"))
    if len(run.errors) > max_rows:
        parts.append(f'<p class="meta" id="errors-truncated">Showing the first {max_rows:,} of '
                     f"{len(run.errors):,} errors; errors.jsonl has them all.</p>")
    parts.append("</section>")
    return "".join(parts)


def _expectations(run: Run) -> str:
    parts = ['<section id="expectations"><h2>Expectations</h2>']
    if run.expectations is None:
        parts.append("<p>This run has no expectations.json.</p></section>")
        return "".join(parts)
    if not run.expectations:
        parts.append("<p>The scenario declared no expectations.</p></section>")
        return "".join(parts)
    rows = []
    for x in run.expectations:
        ok = x.get("passed") is True
        subject = _show(x.get("subject", ""))
        label = x.get("label")
        who = (f'{escape(str(label))}<br><span class="mono small">{escape(subject)}</span>'
               if label else f'<span class="mono">{escape(subject)}</span>')
        where = f"line {x['line']}" if "line" in x else ""
        rows.append(
            f'<tr class="{"pass" if ok else "fail"}"><td class="mono">'
            f'{escape(_show(x.get("time", "")))}</td>'
            f"<td>{who}</td>"
            f'<td class="mono">{escape(_show(x.get("field", "")))}</td>'
            f'<td class="mono">{escape(_show(x.get("expected")))}</td>'
            f'<td class="mono">{escape(_show(x.get("actual")))}</td>'
            f'<td class="verdict">{"✓ passed" if ok else "✗ failed"}</td>'
            f'<td class="mono">{escape(where)}</td></tr>')
    parts.append(_table(["time", "subject", "field", "expected", "actual", "result",
                         "scenario line"], rows, "expectations"))
    parts.append("</section>")
    return "".join(parts)


def render_report(run: Run, title: str | None = None, *,
                  max_error_rows: int = DEFAULT_MAX_ROWS) -> str:
    """The report of ``run`` as one HTML document (a string)."""
    if title is None:
        title = run.name or (f"sdssim run {run.path.name}" if run.path is not None
                             else "sdssim run")
    anchors = {s: f"subject-{i}" for i, s in enumerate(run.subjects(), 1)}
    source = (f"Run directory <code>{escape(str(run.path))}</code>" if run.path is not None
              else "Run built in memory")
    nav = "".join(f'<a href="#{k}">{v}</a>' for k, v in [
        ("summary", "Summary"), ("plots", "Plots"), ("timeline", "Timeline"),
        ("diagrams", "State diagrams"), ("errors", "Errors"),
        ("expectations", "Expectations")])
    body = [
        f"<header><h1>{escape(title)}</h1><p class=\"meta\">{source}; times are virtual "
        f"(UTC).</p><nav>{nav}</nav></header>",
        _summary(run),
        _plot_section(run),
        _timeline(run, anchors),
        _diagrams(run, anchors),
        _errors(run, max_error_rows),
        _expectations(run),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def write_report(run: Run, html_path: str | os.PathLike[str], title: str | None = None, *,
                 max_error_rows: int = DEFAULT_MAX_ROWS) -> Path:
    """Write the report of ``run`` to ``html_path`` (UTF-8); return the path."""
    path = Path(html_path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(run, title, max_error_rows=max_error_rows), encoding="utf-8")
    return path
