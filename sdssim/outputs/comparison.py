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

__all__ = ["COMPARISON_FILE", "comparison_html", "comparison_lines", "load_comparison"]

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


def _states(side: dict[str, Any]) -> str:
    return ", ".join(f"{m} {s}" for m, s in sorted(side["states"].items())) or "-"


def _series(side: dict[str, Any]) -> str:
    entries = sum(1 for q in side["quarantine_series"] if q["to"] not in ("healthy", None))
    return f"{entries} quarantine step(s)" if entries else "never quarantined"


def _cells(side: dict[str, Any]) -> list[str]:
    return [_states(side), f"{side['errors']:,} error record(s)", _series(side)]


def comparison_lines(comp: dict[str, Any]) -> list[str]:
    """The comparison as plain text: two columns, one block per subject."""
    checks = comp.get("checks", {})
    out = [f"What if: {comp['scenario']} vs {comp['alternative']}, branched at {comp['at']}",
           ""]
    head = f"{'':<24}  {'original':<{_WIDTH}}  alternative"
    out.append(head)
    for side in ("original", "alternative"):
        c = checks.get(side)
        if c:
            out.append(f"  checks in {side}: {c['passed']} passed, {c['failed']} failed")
    for subj in comp["subjects"]:
        left, right = _cells(subj["original"]), _cells(subj["alternative"])
        same = "" if subj["original"] == subj["alternative"] else "  ≠"
        out.append(f"{subj['label'][:24]:<24}{same}")
        for a, b in zip(left, right, strict=True):
            mark = " " if a == b else "≠"
            out.append(f"  {mark} {a[:_WIDTH]:<{_WIDTH}}  {b}")
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
    rows = []
    for subj in comp["subjects"]:
        left, right = _cells(subj["original"]), _cells(subj["alternative"])
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            cls = "" if a == b else ' class="diff"'
            label = f'<th rowspan="3">{e(subj["label"])}</th>' if i == 0 else ""
            rows.append(f"<tr{cls}>{label}<td>{e(a)}</td><td>{e(b)}</td></tr>")
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
<table id="side-by-side"><thead><tr><th>subject</th><th>original ({e(comp['scenario'])})</th>
<th>alternative ({e(comp['alternative'])})</th></tr></thead>
<tbody><tr><th>checks</th>{verdicts}</tr>{''.join(rows)}</tbody></table>
<h2>Quarantine series</h2>
<table id="quarantine"><thead><tr><th>subject</th><th>original</th><th>alternative</th></tr>
</thead><tbody>{''.join(series)}</tbody></table>
</body></html>
"""
