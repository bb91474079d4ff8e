"""A run that streams its records into JSON Lines (``RecordWriter``, the simulation keeping
none) writes the very bytes of a run that keeps them and writes them at the end, checks the
same expectations and prints the same timeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdssim.outputs.jsonl import FILES, RecordWriter, write_simulation
from sdssim.scenario import load, run
from sdssim.scenario.explain import timeline, timeline_of

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml")) + [
    REPO / "tests" / "scenario" / "golden" / "small.yaml"]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_streamed_run_equals_a_kept_run(path, tmp_path):
    scenario = load(path)
    kept = run(scenario)
    write_simulation(kept.sim, tmp_path / "kept")
    with RecordWriter(tmp_path / "streamed") as writer:
        streamed = run(scenario, on_record=writer, keep_records=False)
    assert not streamed.sim.events and not streamed.sim.snapshots and not streamed.sim.errors
    for name, attr in FILES.items():
        assert (tmp_path / "streamed" / name).read_bytes() == \
            (tmp_path / "kept" / name).read_bytes(), name
        assert writer.counts[name] == len(getattr(kept.sim, attr))
    assert [c.to_json() for c in streamed.checks] == [c.to_json() for c in kept.checks]
    assert streamed.failures == kept.failures
    assert streamed.log == kept.log
    assert streamed.labels == kept.labels
    with open(tmp_path / "streamed" / "events.jsonl", encoding="utf-8") as fh:
        events = [json.loads(line) for line in fh]
    mine = [(line.time, line.kind, line.subject, line.text, line.ok)
            for line in timeline_of(streamed, events)]
    assert mine == [(line.time, line.kind, line.subject, line.text, line.ok)
                    for line in timeline(kept)]


def test_error_checks_count_the_streamed_errors_of_their_job(tmp_path):
    """``error_count``/``errors_by_code`` of a job read its error records; a streaming run
    keeps the codes of the jobs those checks name, and only theirs."""
    text = """\
name: errors of two jobs
jobs:
  - key: a
    objects: {User: 40}
  - key: b
    objects: {User: 40}
timeline:
  - {at: +0m, fault: credential_failure}
  - {at: +0m, action: start_job, job: a}
  - {at: +0m, action: start_job, job: b}
  - at: +2d
    expect: {job: a, error_count: 5, errors_by_code: {CredentialsInvalid: 5}}
"""
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load(path)
    kept = run(scenario)
    streamed = run(scenario, keep_records=False)
    assert [c.actual for c in streamed.checks] == [c.actual for c in kept.checks] == [5, 5]
    assert sum(1 for r in kept.sim.errors if r.subject.startswith("job/")) == 10  # b's too
    assert streamed.passed and kept.passed
