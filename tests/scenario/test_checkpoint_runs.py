"""Every bundled scenario, cut at three points and restored, ends exactly as an uninterrupted run."""

import datetime as _dt
import functools
import json

import pytest

from sdssim.engine.checkpoint import FORMAT_VERSION
from sdssim.scenario import load, run
from sdssim.scenario.checkpoints import (
    branch_runner,
    checkpoint_runner,
    restore_runner,
    resume,
    run_with_checkpoints,
    start_runner,
)
from sdssim.scenario.whatif import whatif

from .conftest import REPO, SCENARIOS

WHATIF = REPO / "scenarios" / "whatif"


class _Killed(Exception):
    pass


def _outcome(result):
    return ([r.to_json() for r in result.sim.records()],
            [c.to_json() for c in result.checks],
            [(str(line.time), line.kind, line.subject, line.text, line.ok) for line in result.log],
            result.checks_passed, result.checks_skipped, [str(f) for f in result.failures],
            result.sim.call_log)


def _cut_run(scenario, fraction):
    """Run until ``fraction`` of the span, take a checkpoint there and stop (a crash)."""
    runner = start_runner(scenario)
    cut = scenario.start + _dt.timedelta(seconds=runner.span * fraction)
    taken = []

    def hook(r):
        if r.sim.now >= cut:
            taken.append(checkpoint_runner(r))
            raise _Killed

    runner.on_slice = hook
    with pytest.raises(_Killed):
        runner.run()
    return taken[0]


@functools.cache
def _uninterrupted(path):
    return _outcome(run(load(path)))


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.93])
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem[:2])
def test_restore_then_continue_equals_an_uninterrupted_run(path, fraction):
    scenario = load(path)
    expected = _uninterrupted(path)
    data = _cut_run(scenario, fraction)
    restored = restore_runner(data, load(path))  # a fresh scenario object, as after a restart
    assert _outcome(restored.carry_on()) == expected


def test_a_branched_run_is_independent():
    scenario = load(SCENARIOS[0])
    runner = start_runner(scenario)
    runner.run(until=scenario.start + _dt.timedelta(hours=1))
    copy = branch_runner(runner)
    before = _outcome(runner.result)
    copy.carry_on()
    assert _outcome(runner.result) == before
    assert _outcome(copy.result) == _outcome(run(scenario))


def test_resume_from_a_directory_equals_an_uninterrupted_run(tmp_path):
    path = REPO / "scenarios" / "12-quarantine-escalates-to-disabled.yaml"
    scenario = load(path)
    expected = _outcome(run(scenario))
    out = tmp_path / "run"
    assert _outcome(run_with_checkpoints(scenario, str(path), str(out), "P2D")) == expected
    files = sorted((out / "checkpoints").glob("*.ckpt"))
    assert len(files) >= 15
    manifest = json.loads((out / "checkpoints" / "run.json").read_text())
    assert manifest["every"] == "P2D" and manifest["format"] == FORMAT_VERSION
    for drop in (len(files) // 2, 1):  # as if killed mid-way, then right after starting
        for f in files[drop:]:
            f.unlink(missing_ok=True)
        _, _, result = resume(str(out), load)
        assert _outcome(result) == expected
        assert len(list((out / "checkpoints").glob("*.ckpt"))) == len(files)
        files = sorted((out / "checkpoints").glob("*.ckpt"))


def test_whatif_shares_the_past_and_differs_after():
    base = load(WHATIF / "restart-day-29.yaml")
    alt = load(WHATIF / "restart-day-3.yaml")
    outcome = whatif(base, "2026-09-03T00:00:00Z", alt)
    assert outcome.original.passed and outcome.alternative.passed
    comp = outcome.comparison
    first = comp["first_divergence"]
    assert first["time"] == "2026-09-03T12:00:00Z"
    a = [r.to_json() for r in outcome.original.sim.records()]
    b = [r.to_json() for r in outcome.alternative.sim.records()]
    assert a[: first["index"]] == b[: first["index"]] and a[first["index"]] != b[first["index"]]
    (job,) = comp["subjects"]
    assert job["original"]["errors"] == 30 and job["alternative"]["errors"] == 33
    # the original future is exactly the baseline scenario run on its own
    assert a == [r.to_json() for r in run(base).sim.records()]


def test_whatif_refuses_an_alternative_with_another_start(write):
    base = load(WHATIF / "restart-day-29.yaml")
    other = write((WHATIF / "restart-day-3.yaml").read_text().replace(
        "start: 2026-09-01T08:00:00Z", "start: 2026-09-02T08:00:00Z"))
    with pytest.raises(ValueError, match="the alternative starts at"):
        whatif(base, "+1d", load(other))


def test_resume_keeps_until_and_seed(tmp_path):
    path = REPO / "scenarios" / "12-quarantine-escalates-to-disabled.yaml"
    scenario = load(path)
    expected = _outcome(run(scenario, seed=5, until="+10d"))
    out = tmp_path / "run"
    got = run_with_checkpoints(scenario, str(path), str(out), "P1D", seed=5, until="+10d")
    assert _outcome(got) == expected and got.checks_skipped > 0
    files = sorted((out / "checkpoints").glob("*.ckpt"))
    for f in files[3:]:
        f.unlink()
    _, _, result = resume(str(out), load)
    assert _outcome(result) == expected
