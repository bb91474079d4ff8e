"""``run --checkpoint-every``, ``resume`` after a real SIGKILL, ``whatif``, and their refusals."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sdssim.cli import main
from sdssim.engine import checkpoint as ckpt
from sdssim.engine.checkpoint import FORMAT_VERSION

REPO = Path(__file__).resolve().parents[1]
WHATIF = REPO / "scenarios" / "whatif"
OUTPUTS = ("events.jsonl", "snapshots.jsonl", "errors.jsonl", "expectations.json")

#: long enough that a kill lands mid-run: 40 stepped jobs for 30 days
SLOW = """\
name: many stepped jobs
seed: 3
start: 2026-09-01T08:00:00Z
end: 2026-10-01T08:00:00Z
config: {lazy_steady_state: false}
jobs:
""" + "".join(f"  - key: j{i}\n    objects: {{User: {100 + i}}}\n" for i in range(40)) + """\
timeline:
""" + "".join(f"  - at: +{i}m\n    action: start_job\n    job: j{i}\n" for i in range(40)) + """\
  - at: 2026-09-10T08:00:00Z
    fault: endpoint_down
    job: j7
    duration: 3d
  - at: 2026-09-11T08:00:00Z
    expect: {job: j7, job_code: Quarantine}
"""


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def _sdssim(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "sdssim", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def _outputs(folder):
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """The slow scenario and the outputs of an uninterrupted run of it."""
    folder = tmp_path_factory.mktemp("slow")
    path = folder / "slow.yaml"
    path.write_text(SLOW, encoding="utf-8")
    proc = _sdssim("run", path, "--out", folder / "whole", "-q")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return path, _outputs(folder / "whole")


@pytest.mark.parametrize("wait_for", [1, 4, 9])
def test_resume_after_sigkill_gives_byte_identical_outputs(slow, tmp_path, wait_for):
    path, expected = slow
    out = tmp_path / "run"
    proc = _sdssim("run", path, "--out", out, "--checkpoint-every", "P1D", "-q")
    folder = out / "checkpoints"
    while proc.poll() is None and len(list(folder.glob("[0-9]*.ckpt"))) < wait_for:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    if proc.returncode == -signal.SIGKILL:  # it was killed mid-run: nothing final written yet
        assert not (out / "expectations.json").exists()
    left = len(list(folder.glob("[0-9]*.ckpt")))
    assert left >= wait_for
    resumed = _sdssim("resume", out, "-q")
    stdout, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    assert b"PASS" in stdout
    assert _outputs(out) == expected
    assert len(list(folder.glob("[0-9]*.ckpt"))) == 30  # the resumed run kept checkpointing (days 1-30)


def test_resume_after_sigkill_during_resume(slow, tmp_path):
    path, expected = slow
    out = tmp_path / "run"
    for args in (("run", path, "--out", out, "--checkpoint-every", "PT12H"), ("resume", out)):
        proc = _sdssim(*args, "-q")
        folder = out / "checkpoints"
        start = len(list(folder.glob("[0-9]*.ckpt"))) if folder.exists() else 0
        while proc.poll() is None and len(list(folder.glob("[0-9]*.ckpt"))) < start + 3:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    final = _sdssim("resume", out, "-q")
    _, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    assert _outputs(out) == expected


def test_run_with_checkpoints_writes_the_same_outputs(tmp_path):
    path = REPO / "scenarios" / "08-credential-quarantine-lifted-by-start.yaml"
    plain = invoke("run", path, "--out", tmp_path / "a", "-q")
    kept = invoke("run", path, "--out", tmp_path / "b", "-q", "--checkpoint-every", "PT6H")
    assert plain.exit_code == kept.exit_code and plain.exit_code in (0, 1), kept.output
    assert plain.output.splitlines()[-1] == kept.output.splitlines()[-1]  # the same verdict
    assert _outputs(tmp_path / "a") == _outputs(tmp_path / "b")
    files = sorted((tmp_path / "b" / "checkpoints").glob("[0-9]*.ckpt"))
    assert files and files[0].name == "000001.ckpt"
    header, _ = ckpt.read_header(files[0].read_bytes())
    assert header["kind"] == "scenario-run"
    # taken at the first slice of the run at or after start + 6 h, before start + 12 h
    assert "2026-09-01T14:00:00Z" <= header["time"] < "2026-09-01T20:00:00Z"


def test_a_checkpoint_of_another_format_is_exit_2_and_one_line(tmp_path):
    path = REPO / "scenarios" / "08-credential-quarantine-lifted-by-start.yaml"
    out = tmp_path / "run"
    assert invoke("run", path, "--out", out, "-q", "--checkpoint-every", "P1D").exit_code in (0, 1)
    newest = sorted((out / "checkpoints").glob("[0-9]*.ckpt"))[-1]
    data = newest.read_bytes()
    newest.write_bytes(data.replace(f'"format": {FORMAT_VERSION}'.encode(), b'"format": 7', 1))
    proc = _sdssim("resume", out)
    stdout, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sdssim: error: checkpoint format 7")
    assert f"reads format {FORMAT_VERSION} only" in lines[0]


@pytest.mark.parametrize("setup, message", [
    (lambda d: None, "holds no checkpointed run"),
    (lambda d: (d / "checkpoints").mkdir() or (d / "checkpoints" / "run.json").write_text(
        json.dumps({"format": 7})), "checkpoint format 7 is not supported"),
])
def test_resume_refusals_are_one_line(tmp_path, setup, message):
    out = tmp_path / "d"
    out.mkdir()
    setup(out)
    result = invoke("resume", out)
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") == 1


def test_resume_refuses_a_changed_scenario(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text((REPO / "scenarios" / "07-job-lifecycle.yaml").read_text())
    out = tmp_path / "run"
    assert invoke("run", path, "--out", out, "-q", "--checkpoint-every", "P1D").exit_code == 0
    path.write_text(path.read_text() + "\n# edited\n")
    result = invoke("resume", out)
    assert result.exit_code == 2 and "changed since the run began" in result.output


def test_bad_checkpoint_period_is_exit_2():
    result = invoke("run", REPO / "scenarios" / "07-job-lifecycle.yaml", "--out", "/tmp/x",
                    "--checkpoint-every", "soon")
    assert result.exit_code == 2 and "--checkpoint-every" in result.output


def test_whatif_writes_both_runs_and_a_comparison_shown_by_explain_and_report(tmp_path):
    out = tmp_path / "wi"
    result = invoke("whatif", WHATIF / "restart-day-29.yaml", "--at", "2026-09-03T00:00:00Z",
                    "--then", WHATIF / "restart-day-3.yaml", "--out", out)
    assert result.exit_code == 0, result.output
    for side in ("original", "alternative"):
        assert (out / side / "events.jsonl").stat().st_size > 0
    comp = json.loads((out / "comparison.json").read_text())
    assert comp["first_divergence"]["time"] == "2026-09-03T12:00:00Z"
    explained = invoke("explain", out)
    assert explained.exit_code == 0
    assert "original" in explained.output and "alternative" in explained.output
    rows = [line.split() for line in explained.output.splitlines() if "error records" in line]
    assert rows == [["≠", "error", "records", "30", "33"]]
    page = tmp_path / "wi.html"
    reported = invoke("report", out, "--html", page)
    assert reported.exit_code == 0, reported.output
    html = page.read_text()
    assert 'id="side-by-side"' in html and "Admin restarts on day 3" in html
    assert html.count('class="diff"') >= 2


def test_whatif_with_an_unknown_key_is_exit_2(tmp_path):
    alt = tmp_path / "alt.yaml"
    alt.write_text((WHATIF / "restart-day-3.yaml").read_text().replace(
        "key: hr-sync", "key: other").replace("job: hr-sync", "job: other"))
    result = invoke("whatif", WHATIF / "restart-day-29.yaml", "--at", "+1d", "--then", alt,
                    "--out", tmp_path / "wi")
    assert result.exit_code == 2 and "job other" in result.output
