"""Exit codes (130 for Ctrl-C, resource exhaustion said as such, 3 says "please report") and
crash-safe run directories (written aside, renamed into place, verified by report/plot)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sdssim.cli import main
from sdssim.outputs.rundir import MANIFEST, OutputExists, verify_manifest, write_run
from sdssim.outputs.runio import RunError

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "tests" / "scenario" / "golden" / "small.yaml"


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), click.Abort()])
def test_ctrl_c_exits_130_with_one_line(monkeypatch, tmp_path, exc):
    import sdssim.scenario

    def interrupted(*args, **kwargs):
        raise exc

    monkeypatch.setattr(sdssim.scenario, "run", interrupted)
    result = _invoke("run", SMALL, "--out", tmp_path / "o")
    assert result.exit_code == 130
    assert result.stderr == "sdssim: error: interrupted\n"
    assert not (tmp_path / "o").exists()


def test_memory_error_is_resource_exhaustion_not_a_failed_expectation(monkeypatch, tmp_path):
    import sdssim.scenario

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(sdssim.scenario, "run", exhausted)
    result = _invoke("run", SMALL, "--out", tmp_path / "o")
    assert result.exit_code == 3
    assert result.stderr.startswith("sdssim: error: resource exhaustion: out of memory")


def test_an_internal_error_asks_to_be_reported(monkeypatch, tmp_path):
    import sdssim.scenario

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sdssim.scenario, "run", broken)
    result = _invoke("run", SMALL, "--out", tmp_path / "o")
    assert result.exit_code == 3
    assert "please report" in result.stderr and result.stderr.count("\n") == 1


def test_a_run_writes_a_manifest_that_matches(tmp_path):
    out = tmp_path / "o"
    assert _invoke("run", SMALL, "-q", "--out", out).exit_code == 0
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["errors.jsonl", "events.jsonl", "expectations.json",
                                         "scenario.json", "snapshots.jsonl"]
    for name, entry in manifest["files"].items():
        assert entry["bytes"] == (out / name).stat().st_size
    verify_manifest(out)
    assert [p.name for p in tmp_path.iterdir()] == ["o"]  # no partial sibling left


def test_an_existing_output_is_refused_unless_forced(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    result = _invoke("run", SMALL, "-q", "--out", out)
    assert result.exit_code == 2
    assert result.stderr == f"sdssim: error: {out} exists and is not empty (use --force to " \
                            "replace it)\n"
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"
    assert _invoke("run", SMALL, "-q", "--out", out, "--force").exit_code == 0
    assert not (out / "mine.txt").exists()
    verify_manifest(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_an_empty_output_directory_is_fine(tmp_path):
    (tmp_path / "o").mkdir()
    assert _invoke("run", SMALL, "-q", "--out", tmp_path / "o").exit_code == 0


def test_a_write_that_fails_half_way_leaves_the_old_run(tmp_path):
    out = tmp_path / "o"
    write_run(out, lambda d: (d / "a.txt").write_text("old", encoding="utf-8"))

    def half(d: Path) -> None:
        (d / "a.txt").write_text("new", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_run(out, half, force=True)
    assert (out / "a.txt").read_text(encoding="utf-8") == "old"
    verify_manifest(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]
    with pytest.raises(OutputExists):
        write_run(out, half)


def test_ctrl_c_after_records_were_streamed_leaves_the_old_run(monkeypatch, tmp_path):
    """``run`` writes records into the temporary sibling as they are made: an interrupt
    half-way through leaves the previous run whole and no sibling."""
    import sdssim.scenario

    out = tmp_path / "o"
    assert _invoke("run", SMALL, "-q", "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = sdssim.scenario.run
    seen = []

    def interrupted(*args, on_record, **kwargs):
        def tap(record):
            on_record(record)
            seen.append(record)
            if len(seen) == 20:
                raise KeyboardInterrupt

        return real(*args, on_record=tap, **kwargs)

    monkeypatch.setattr(sdssim.scenario, "run", interrupted)
    result = _invoke("run", SMALL, "-q", "--out", out, "--force")
    assert result.exit_code == 130
    assert len(seen) == 20
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    verify_manifest(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_sigkill_mid_run_leaves_no_output(tmp_path):
    """A real process killed while it writes: DIR never appears half-written."""
    out = tmp_path / "o"
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from sdssim.outputs.rundir import write_run\n"
        "def slow(d):\n"
        "    (d / 'events.jsonl').write_text('x\\n' * 1000)\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        f"write_run({str(out)!r}, slow)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "writing\n"
    proc.kill()
    proc.wait()
    assert not out.exists()
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert len(leftovers) == 1 and leftovers[0].startswith(".o.partial-")


@pytest.mark.parametrize("damage", ["truncate", "delete", "manifest", "append"])
def test_report_and_plot_refuse_a_damaged_run(tmp_path, damage):
    out = tmp_path / "o"
    assert _invoke("run", SMALL, "-q", "--out", out).exit_code == 0
    events = out / "events.jsonl"
    if damage == "truncate":
        events.write_bytes(events.read_bytes()[:100])
    elif damage == "delete":
        events.unlink()
    elif damage == "manifest":
        (out / MANIFEST).unlink()
    else:
        with open(events, "a", encoding="utf-8") as fh:
            fh.write('{"seq": 999999}\n')
    with pytest.raises(RunError):
        verify_manifest(out)
    for args in (["report", out, "--html", tmp_path / "r.html"],
                 ["plot", out, "--out", tmp_path / "p.png"]):
        result = _invoke(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"sdssim: error: {out}")
        assert result.stderr.count("\n") == 1


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a process group is POSIX")
def test_ctrl_c_during_a_sweep_is_one_line_and_exit_130(tmp_path):
    import psutil

    env = {**os.environ, "SDSSIM_NO_PROGRESS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdssim", "sweep", str(REPO / "scenarios" /
                                                     "12-quarantine-escalates-to-disabled.yaml"),
         "--seeds", "0:20000", "--workers", "2", "--out", str(tmp_path / "s")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
        # a shell's background job ignores SIGINT, and children inherit that: undo it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        parent = psutil.Process(proc.pid)
        # wait for the helper worker process to exist and to be busy with runs
        helper, deadline = None, time.monotonic() + 60
        while helper is None and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            # (forked, or spawned next to multiprocessing's resource tracker)
            helper = next((c for c in parent.children()
                           if "resource_tracker" not in " ".join(c.cmdline())), None)
        assert helper is not None, "no helper process appeared"
        time.sleep(3)  # past its start (it is started ignoring SIGINT)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole group
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    # the interrupt adds one line and no worker traceback
    assert err.endswith("sdssim: error: interrupted\n"), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert not (tmp_path / "s").exists()
    # and no worker is left running
    helper.wait(timeout=10)
    assert not helper.is_running()
