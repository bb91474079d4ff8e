"""Pictures a teacher can read: titles, names, date axes, Graphviz diagrams (rendered, checked)."""

from __future__ import annotations

import datetime as _dt
import html
import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sdssim.machines import table
from sdssim.outputs.graphviz import machine_svg
from sdssim.outputs.plots import date_ticks, plot_run
from sdssim.outputs.runio import load_run

ROOT = Path(__file__).resolve().parents[2]
UTC = _dt.timezone.utc


@pytest.fixture(scope="module")
def run12(tmp_path_factory):
    out = tmp_path_factory.mktemp("run12") / "12"
    proc = subprocess.run([sys.executable, "-m", "sdssim", "run", "-q",
                           str(ROOT / "scenarios/12-quarantine-escalates-to-disabled.yaml"),
                           "--out", str(out)], capture_output=True, text=True, check=False)
    # 0 or 1: the pictures are checked whatever the expectations' verdict
    assert proc.returncode in (0, 1) and (out / "scenario.json").is_file(), proc.stderr
    return load_run(out)


def test_run_directory_names_the_scenario(run12):
    assert run12.name == "A forgotten job is disabled after four weeks"
    assert set(run12.labels().values()) == {"job pilot-app"}


def test_plot_title_and_rows_use_scenario_names(run12):
    fig = plot_run(run12)
    assert fig.get_suptitle() == "A forgotten job is disabled after four weeks"
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert rows == ["job pilot-app  job", "job pilot-app  schedule", "job pilot-app  quarantine"]
    assert not any(re.search(r"[0-9a-f]{16}", r) for r in rows)    # no ids


def test_date_axis_labels_every_week_from_the_first_day(run12):
    fig = plot_run(run12)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[2].get_xticklabels() if t.get_text()]
    # the run covers 1 Aug 08:00 to 14 Sep: the first month is labelled too
    assert labels == ["01 Aug", "08 Aug", "15 Aug", "22 Aug", "29 Aug", "05 Sep", "12 Sep"]
    boxes = [t.get_window_extent() for t in fig.axes[2].get_xticklabels() if t.get_text()]
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes))     # no overlap


def test_date_ticks_daily_and_hourly():
    start = _dt.datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    ticks, fmt = date_ticks(start, start + _dt.timedelta(days=5))
    assert fmt == "%d %b"
    assert [t.strftime(fmt) for t in ticks] == ["01 Sep", "02 Sep", "03 Sep", "04 Sep",
                                                "05 Sep", "06 Sep"]
    ticks, fmt = date_ticks(start, start + _dt.timedelta(hours=10))
    assert ticks[0] == start and (ticks[1] - ticks[0]) == _dt.timedelta(hours=1)


def test_graphviz_diagram_has_every_state_and_marks_the_path(system_tool):
    system_tool("dot", "graphviz")
    svg = machine_svg("quarantine", current="daily",
                      path=["healthy", "retry6h", "retry12h", "retry24h", "daily"],
                      taken=[("healthy", "retry6h"), ("retry6h", "retry12h")],
                      title="quarantine of pilot-app")
    assert svg.startswith('<svg class="state-diagram" data-machine="quarantine"')
    assert '<g id="graph0" class="graph"' in svg               # laid out by dot, not by hand
    titles = re.findall(r'<g id="node\d+" class="node state( current| visited)?">\s*'
                        r"<title>([^<]+)</title>", svg)
    assert {name for _, name in titles} == set(table("quarantine").states)
    assert [name for mark, name in titles if mark == " current"] == ["daily"]
    assert len(re.findall(r'class="edge taken"', svg)) == 2
    assert "quarantine of pilot-app" in html.unescape(svg)


def test_report_embeds_svg_and_says_line(run12, tmp_path):
    from sdssim.outputs.report import write_report

    html = write_report(run12, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<title>A forgotten job is disabled after four weeks</title>" in html
    assert "<img" not in html and "data:image/png" not in html
    assert html.count('<svg class="state-diagram"') == 3
    assert re.search(r'<td class="mono">line \d+</td>', html)
    assert not re.search(r'<td class="mono">\d+:\d+</td>', html)


def test_state_legend_is_grouped_by_family(run12):
    from sdssim.machines.palette import FAMILY_COLORS, family

    fig = plot_run(run12)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ranks = [list(FAMILY_COLORS).index(family(s)) for s in legend]
    assert ranks == sorted(ranks)
    assert legend[0] in ("Active", "healthy") and legend[-1] in ("Disabled", "disabled")
