"""A what-if comparison (``comparison.json`` of ``sdssim whatif``) as text and as HTML.

``sdssim explain DIR`` prints :func:`comparison_lines`; ``sdssim report DIR
--html FILE`` writes :func:`comparison_html`: the original and the
alternative side by side, subject by subject, and where they first part.
"""

from __future__ import annotations

import html
import json
import os
from typing import Any

__all__ = ["COMPARISON_FILE", "comparison_html", "comparison_lines", "load_comparison", "rows"]

COMPARISON_FILE = "comparison.json"
_WIDTH = 38


def load_comparison(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The comparison a what-if directory holds, or ``None`` when it is not one."""
    path = os.path.join(directory, COMPARISON_FILE)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or "subjects" not in data:
        raise ValueError(f"{path} is not a what-if comparison")
    return data


def _steps(side: dict[str, Any]) -> str:
    steps = sum(1 for q in side["quarantine_series"] if q["to"] not in ("healthy", None))
    last = side["quarantine_series"][-1] if side["quarantine_series"] else None
    tail = f", last {last['to']} at {last['time']}" if last else ""
    return f"{steps}{tail}" if steps else "never quarantined"


def rows(subject: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(what, original, alternative)`` for one subject of a comparison."""
    left, right = subject["original"], subject["alternative"]
    out = [(f"{m} state", str(left["states"].get(m, "-")), str(right["states"].get(m, "-")))
           for m in sorted(set(left["states"]) | set(right["states"]))]
    out.append(("error records", f"{left['errors']:,}", f"{right['errors']:,}"))
    out.append(("quarantine steps", _steps(left), _steps(right)))
    return out


def comparison_lines(comp: dict[str, Any]) -> list[str]:
    """The comparison as plain text: two columns, one block per subject."""
    checks = comp.get("checks", {})
    out = [f"What if: {comp['scenario']} vs {comp['alternative']}, branched at {comp['at']}",
           ""]
    head = f"{'':<25}{'original':<{_WIDTH}}  alternative"
    out.append(head)
    for side in ("original", "alternative"):
        c = checks.get(side)
        if c:
            out.append(f"  checks in {side}: {c['passed']} passed, {c['failed']} failed")
    for subj in comp["subjects"]:
        out.append(subj["label"])
        for what, a, b in rows(subj):
            mark = " " if a == b else "≠"
            out.append(f"  {mark} {what:<20} {a:<{_WIDTH}}  {b}")
    first = comp.get("first_divergence")
    out.append("")
    if first is None:
        out.append("The two futures are identical.")
    else:
        out.append(f"First divergence at {first['time']} (record {first['index'] + 1}): "
                   f"{_describe(first['original'])} vs {_describe(first['alternative'])}")
    return out


def _describe(rec: dict[str, Any] | None) -> str:
    if rec is None:
        return "nothing"
    if rec["type"] == "event":
        return f"{rec['subject']} {rec['machine']} {rec['from']}→{rec['to']} ({rec['trigger']})"
    return f"{rec['subject']} {rec['type']} {rec.get('kind', '')}".rstrip()


def comparison_html(comp: dict[str, Any], title: str | None = None) -> str:
    """A self-contained HTML page with the two futures side by side."""
    e = html.escape
    title = title or f"What if: {comp['scenario']} vs {comp['alternative']}"
    body = []
    for subj in comp["subjects"]:
        lines = rows(subj)
        for i, (what, a, b) in enumerate(lines):
            cls = "" if a == b else ' class="diff"'
            label = (f'<th rowspan="{len(lines)}">{e(subj["label"])}</th>' if i == 0 else "")
            body.append(f"<tr{cls}>{label}<td>{e(what)}</td><td>{e(a)}</td><td>{e(b)}</td></tr>")
    series = []
    for subj in comp["subjects"]:
        if not (subj["original"]["quarantine_series"] or subj["alternative"]["quarantine_series"]):
            continue
        cols = []
        for side in ("original", "alternative"):
            items = "".join(f"<li>{e(q['time'])}: {e(str(q['from']))} → {e(str(q['to']))} "
                            f"({e(q['trigger'])})</li>"
                            for q in subj[side]["quarantine_series"])
            cols.append(f"<td><ol>{items}</ol></td>")
        series.append(f"<tr><th>{e(subj['label'])}</th>{''.join(cols)}</tr>")
    first = comp.get("first_divergence")
    first_text = ("The two futures are identical." if first is None else
                  f"First divergence at {first['time']} (record {first['index'] + 1}): "
                  f"{_describe(first['original'])} vs {_describe(first['alternative'])}")
    checks = comp.get("checks", {})
    verdicts = "".join(
        f"<td>{c['passed']} passed, {c['failed']} failed</td>"
        for c in (checks.get("original", {"passed": 0, "failed": 0}),
                  checks.get("alternative", {"passed": 0, "failed": 0})))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 2rem; }}
th, td {{ border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; vertical-align: top; }}
tr.diff td {{ background: #fff3cd; }}
</style></head><body>
<h1>{e(title)}</h1>
<p>Branched at <b>{e(comp['at'])}</b>: both futures share everything before.</p>
<p id="divergence">{e(first_text)}</p>
<table id="side-by-side"><thead><tr><th>subject</th><th></th>
<th>original ({e(comp['scenario'])})</th>
<th>alternative ({e(comp['alternative'])})</th></tr></thead>
<tbody><tr><th colspan="2">checks</th>{verdicts}</tr>{''.join(body)}</tbody></table>
<h2>Quarantine series</h2>
<table id="quarantine"><thead><tr><th>subject</th><th>original</th><th>alternative</th></tr>
</thead><tbody>{''.join(series)}</tbody></table>
</body></html>
"""
