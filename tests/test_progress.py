"""--progress: a bar that fits 80 columns, timed lines otherwise, nothing when asked."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sdssim.cli.progress import line_text, reporter, resolve_mode

ROOT = Path(__file__).resolve().parents[1]


class FakeClock:
    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


def test_lines_every_interval_then_a_final_line():
    out = io.StringIO()
    # start, four reports, the final line
    clock = FakeClock(100.0, 102.0, 105.5, 107.0, 111.0, 113.0)
    with reporter("lines", "simulating X", stream=out, interval=5, clock=clock) as report:
        report(10, 100)      # 2 s: too soon
        report(40, 100)      # 5.5 s: a line
        report(50, 100)      # 7 s: too soon after the last line
        report(80, 100)      # 11 s: a line
    assert out.getvalue().splitlines() == [
        "sdssim: simulating X: 40%, 6 s elapsed, about 8 s left",
        "sdssim: simulating X: 80%, 11 s elapsed, about 3 s left",
        "sdssim: simulating X: 100%, 13 s elapsed",
    ]


def test_short_work_prints_no_lines():
    out = io.StringIO()
    with reporter("lines", "x", stream=out, clock=FakeClock(0.0, 1.0, 2.0)) as report:
        report(1, 2)
        report(2, 2)
    assert out.getvalue() == ""


def test_line_text_spans():
    assert line_text("w", 1, 4, 3725) == ("sdssim: w: 25%, 1 h 02 min elapsed, "
                                          "about 3 h 06 min left")
    assert line_text("w", 0, 0, 0) == "sdssim: w: 100%, 0 s elapsed"


def test_bar_fits_80_columns_and_has_an_eta():
    out = io.StringIO()
    with reporter("bar", "simulating " + "a very long scenario name " * 3, stream=out,
                  width=80) as report:
        report(0, 100)
        time.sleep(0.25)
        report(40, 100)
        time.sleep(0.25)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue()).replace("\r", "\n")
    lines = [ln for ln in plain.splitlines() if ln.strip()]
    assert lines and all(len(ln) <= 80 for ln in lines)
    assert any("40%" in ln and "ETA" in ln and "…" in ln for ln in lines)


def test_none_and_auto():
    out = io.StringIO()
    with reporter("none", "x", stream=out, interval=0) as report:
        report(1, 2)
    assert out.getvalue() == ""
    assert resolve_mode("auto", io.StringIO()) == "lines"        # not a terminal
    with pytest.raises(ValueError, match="valid: auto, bar, lines, none"):
        resolve_mode("fancy")


def test_cli_accepts_progress_and_outputs_do_not_change(tmp_path):
    outs = []
    for mode in ("none", "lines", "bar"):
        out = tmp_path / mode
        proc = subprocess.run(
            [sys.executable, "-m", "sdssim", "run", "-q", f"--progress={mode}",
             str(ROOT / "scenarios/07-job-lifecycle.yaml"), "--out", str(out)],
            capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        outs.append((out / "events.jsonl").read_bytes())
    assert outs[0] == outs[1] == outs[2]                  # progress never touches the run
    proc = subprocess.run([sys.executable, "-m", "sdssim", "run", "--progress=fancy",
                           str(ROOT / "scenarios/07-job-lifecycle.yaml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "fancy" in proc.stderr
