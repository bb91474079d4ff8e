"""The run figure: three axes whose artists match the run's records."""

from __future__ import annotations

import datetime as dt

import matplotlib
import pytest
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from PIL import Image

from sdssim import Simulation
from sdssim.outputs.plots import (
    AXES_TITLES,
    MAX_SUBJECT_LINES,
    figure_bytes,
    plot_run,
    row_labels,
    state_color,
)
from sdssim.outputs.runio import Run, short_subject

#: spans per (subject key, machine) in the story of conftest.build_story
STORY_SPANS = {
    ("job", "job"): 3, ("job", "schedule"): 3, ("job", "quarantine"): 7,
    ("csv", "profile"): 2, ("csv", "sync"): 5,
    ("api", "profile"): 3, ("api", "sync"): 5,
}


@pytest.fixture(scope="module")
def fig(run, tmp_path_factory):
    out = tmp_path_factory.mktemp("plots") / "run.png"
    figure = plot_run(run, out)
    figure.saved_to = out  # for the file test
    return figure


def _bars(ax):
    return [p for c in ax.containers for p in c]


def test_three_titled_axes_sharing_time(fig):
    assert isinstance(fig, Figure)
    assert [ax.get_title(loc="left") for ax in fig.axes[:3]] == list(AXES_TITLES)
    assert fig.axes[2].get_xlabel() == "virtual time (UTC)"
    assert fig.axes[0].get_xlim() == fig.axes[2].get_xlim()


def test_gantt_has_one_bar_per_state_interval(fig, run, ids):
    ax = fig.axes[0]
    bars = _bars(ax)
    intervals = run.intervals()
    assert len(bars) == len(intervals) == sum(STORY_SPANS.values())
    # one container per row, in row order, with that row's span count
    rows = row_labels(run)
    assert [len(c) for c in ax.containers] == [
        STORY_SPANS[(next(k for k, v in ids.items() if v == s), m)] for s, m in rows]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"{run.display_name(s)}  {m}" for s, m in rows]
    # the scenario's name of the job, from expectations.json; profiles by display name
    assert labels[:3] == ["job payroll  job", "job payroll  schedule", "job payroll  quarantine"]
    assert labels[3] == "profile Term 1 Sync  profile"
    assert not any(short_subject(ids["csv"]) in label for label in labels)
    for bar, iv in zip(bars, intervals, strict=True):
        assert bar.get_gid() == f"{iv.subject}|{iv.machine}|{iv.state}"
        assert matplotlib.colors.to_hex(bar.get_facecolor()) == state_color(iv.state)
        assert mdates.num2date(bar.get_x()) == iv.start
        assert bool(bar.get_hatch()) == iv.open


def test_gantt_labels_long_spans_and_lists_states(fig):
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert {"Quarantine", "daily", "error"} <= texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"Active", "Quarantine", "retry6h", "retry12h", "retry24h", "daily",
            "disabled", "error"} <= set(legend)


def test_open_spans_reach_the_right_edge(fig, run):
    ax = fig.axes[0]
    right = ax.get_xlim()[1]
    open_bars = [b for b in _bars(ax) if b.get_hatch()]
    assert len(open_bars) == sum(1 for iv in run.intervals() if iv.open) == 5
    for bar in open_bars:
        assert bar.get_x() + bar.get_width() == pytest.approx(right)


def test_error_curve_ends_at_the_error_count(fig, run_dir, run, ids):
    ax = fig.axes[1]
    lines = {line.get_label(): line for line in ax.get_lines()}
    n = len((run_dir / "errors.jsonl").read_text(encoding="utf-8").splitlines())
    assert n == len(run.errors) > 30
    total = lines["all subjects"].get_ydata()
    assert total[0] == 0 and total[-1] == n
    assert list(total) == sorted(total)  # cumulative
    per_job = lines["job payroll"].get_ydata()[-1]
    per_csv = lines["profile Term 1 Sync"].get_ydata()[-1]
    assert per_csv == 2  # two rows with warnings -> two entry errors
    assert per_job + per_csv == n
    assert ax.get_ylabel() == "errors"


def test_retry_schedule_markers_escalate(fig, run, ids):
    ax = fig.axes[2]
    lines = {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}
    nxt = lines[f"next|{ids['job']}"]
    assert nxt.get_label() == "job payroll: next attempt scheduled"
    attempts = lines[f"attempts|{ids['job']}"]
    assert nxt.get_marker() == "o" and nxt.get_markerfacecolor() == "none"
    assert list(nxt.get_ydata()[:5]) == [6, 12, 24, 48, 72]
    assert list(attempts.get_ydata()[:4]) == [0, 6, 12, 24]
    # an attempt every day after the first, up to the fourth week
    assert attempts.get_ydata()[-1] == 28 * 24
    assert len(attempts.get_ydata()) == len(nxt.get_ydata()) + 1
    began = run.quarantine_attempts()[0]["seriesBegan"]
    assert mdates.num2date(mdates.date2num(nxt.get_xdata()[0])) == began + dt.timedelta(hours=6)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[:4] == ["0", "+6 h", "+12 h", "+24 h"] and "+28 d" in ticks
    annotations = [t.get_text() for t in ax.texts]
    assert annotations[:3] == ["+6 h", "+12 h", "+24 h"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "job payroll: disabled" in labels


def test_png_file_is_written(fig):
    path = fig.saved_to
    with Image.open(path) as im:
        assert im.format == "PNG"
        width, height = im.size
        assert width > 1000 and height > 600
        colors = im.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colors is not None and len(colors) > 50  # drawn, not blank


def test_svg_bytes_and_empty_run():
    sim = Simulation(seed=3)
    run = Run.from_simulation(sim)
    fig = plot_run(run, title="nothing happened")
    assert fig._suptitle.get_text() == "nothing happened"
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "no state changes in this run" in texts
    assert "no error records in this run" in texts
    assert "no job was quarantined in this run" in texts
    svg = figure_bytes(fig, "svg")
    assert svg.startswith(b"<?xml") and b"<svg" in svg


def test_plot_does_not_touch_pyplot_backend():
    before = matplotlib.get_backend()
    plot_run(Run.from_simulation(Simulation(seed=1)))
    assert matplotlib.get_backend() == before


def test_state_color_fallback_is_stable():
    assert state_color("Active") == "#009e73"      # the running family (Okabe-Ito green)
    assert state_color("someFutureState") == state_color("someFutureState")
    assert state_color("someFutureState").startswith("#")


def test_many_subjects_keep_the_legends_short():
    sim = Simulation(seed=5)
    for i in range(10):
        job = sim.create_job(f"sp-{i}", {"templateId": "scim"}, objects={"User": 100})
        sim.start_job(f"sp-{i}", job.id)
        sim.add_fault("credential_failure", at=f"2026-09-01T{10 + i}:00:00Z", duration="P2D",
                      target=f"job/{job.id}")
    sim.advance("P4D")
    run = Run.from_simulation(sim)
    fig = plot_run(run)
    errors, retries = fig.axes[1], fig.axes[2]
    lines = [ln for ln in errors.get_lines() if not ln.get_label().startswith("_")]
    assert len(lines) == 1 + MAX_SUBJECT_LINES
    assert errors.get_legend().get_title().get_text() == "2 more subject(s) not drawn"
    assert lines[0].get_ydata()[-1] == len(run.errors)
    # every series is drawn, the legend names the three kinds of marks once
    series = {r["subject"] for r in run.quarantine_attempts()}
    assert len(series) == 10
    drawn = {ln.get_gid().split("|", 1)[1] for ln in retries.get_lines()
             if (ln.get_gid() or "").startswith("next|")}
    assert drawn == series
    legend = [t.get_text() for t in retries.get_legend().get_texts()]
    assert legend == ["failed attempts", "next attempt scheduled"]
    assert retries.get_legend().get_title().get_text() == "10 quarantine series"
