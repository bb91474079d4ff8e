"""Reading run directories: records, expectations, state intervals, quarantine attempts."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from sdssim import Simulation
from sdssim.outputs.runio import Run, RunError, load_run, parse_time, short_subject

UTC = dt.timezone.utc


def test_load_run_reads_every_file(run, run_dir, story):
    sim, _ = story
    assert run.path == run_dir
    assert [e["seq"] for e in run.events] == [r.seq for r in sim.events]
    assert len(run.snapshots) == len(sim.snapshots)
    assert len(run.errors) == len(sim.errors)
    assert {e["type"] for e in run.events} == {"event"}
    assert run.expectations is not None and len(run.expectations) == 3
    assert run.expectation_summary() == (2, 1)


def test_from_simulation_equals_the_files(run, story):
    sim, _ = story
    mem = Run.from_simulation(sim)
    assert (mem.events, mem.snapshots, mem.errors) == (run.events, run.snapshots, run.errors)
    assert mem.path is None and mem.expectations is None


def test_from_records_sorts_by_seq(run):
    mixed = list(reversed(run.records()))
    rebuilt = Run.from_records(mixed)
    assert rebuilt.events == run.events and rebuilt.errors == run.errors
    with pytest.raises(RunError, match="unknown record type"):
        Run.from_records([{"type": "bogus", "seq": 1}])


def test_labels_come_from_expectations(run, ids):
    assert run.labels() == {ids["job"]: "job payroll"}
    assert run.display_name(ids["job"]) == "job payroll"
    # a profile without an expectation: its displayName; the id only for a bare subject
    assert run.display_name(ids["csv"]) == "profile Term 1 Sync"
    assert run.display_name("job/zz-unknown.0123456789abcdef") == short_subject(
        "job/zz-unknown.0123456789abcdef")
    assert Run(run.events, run.snapshots, run.errors).labels() == {}


def test_expectations_are_optional(run_dir, tmp_path):
    copy = tmp_path / "noexp"
    shutil.copytree(run_dir, copy)
    (copy / "expectations.json").unlink()
    run = load_run(copy)
    assert run.expectations is None and run.expectation_summary() is None


@pytest.mark.parametrize("missing", ["events.jsonl", "snapshots.jsonl", "errors.jsonl"])
def test_a_missing_record_file_is_named(run_dir, tmp_path, missing):
    copy = tmp_path / "broken"
    shutil.copytree(run_dir, copy)
    (copy / missing).unlink()
    with pytest.raises(RunError, match=missing):
        load_run(copy)


def test_malformed_input_is_reported_with_its_place(run_dir, tmp_path):
    copy = tmp_path / "bad"
    shutil.copytree(run_dir, copy)
    with open(copy / "errors.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    with pytest.raises(RunError, match=r"errors\.jsonl:\d+: not JSON"):
        load_run(copy)
    shutil.copy(run_dir / "events.jsonl", copy / "errors.jsonl")
    with pytest.raises(RunError, match="is not a error record"):
        load_run(copy)
    (copy / "errors.jsonl").write_text("", encoding="utf-8")
    (copy / "expectations.json").write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(RunError, match="list of objects"):
        load_run(copy)
    with pytest.raises(RunError, match="not a run directory"):
        load_run(tmp_path / "nowhere")


def test_subjects_and_machines_in_order_of_appearance(run, ids):
    assert run.subjects() == [ids["job"], ids["csv"], ids["api"]]
    assert run.machines(ids["job"]) == ["job", "schedule", "quarantine"]
    assert run.machines(ids["csv"]) == ["profile", "sync"]


def test_bounds_are_first_and_last_record_or_expectation(run):
    assert run.start == dt.datetime(2026, 9, 1, 8, tzinfo=UTC)
    last_record = max(parse_time(r["time"]) for r in run.records())
    # the restart's full cycle ends after the last transition: its snapshot is the last record
    assert last_record == parse_time(run.snapshots[-1]["time"]) > parse_time(
        run.events[-1]["time"])
    # the last expectation was checked after the last record
    assert run.end == dt.datetime(2026, 10, 1, 11, tzinfo=UTC) > last_record
    bare = Run(run.events, run.snapshots, run.errors)
    assert bare.end == last_record


def _states(run, subject, machine):
    return [(iv.state, iv.open) for iv in run.intervals()
            if iv.subject == subject and iv.machine == machine]


def test_intervals_follow_the_story(run, ids):
    job = ids["job"]
    # created NotConfigured and started in the same instant: no span for NotConfigured
    assert _states(run, job, "job") == [("Active", False), ("Quarantine", False),
                                        ("Active", True)]
    assert _states(run, job, "schedule") == [("Active", False), ("Disabled", False),
                                             ("Active", True)]
    assert [s for s, _ in _states(run, job, "quarantine")] == [
        "healthy", "retry6h", "retry12h", "retry24h", "daily", "disabled", "healthy"]
    assert _states(run, ids["csv"], "sync") == [
        ("paused", False), ("validating", False), ("extracting", False),
        ("inProgress", False), ("error", True)]


def test_self_transitions_do_not_split_a_span(run, ids):
    quarantine = [iv for iv in run.intervals()
                  if iv.subject == ids["job"] and iv.machine == "job"][1]
    assert quarantine.state == "Quarantine"
    raw = [e for e in run.events if e["subject"] == ids["job"] and e["machine"] == "job"
           and e["to"] == "Quarantine"]
    assert quarantine.events == len(raw) > 20
    assert quarantine.duration > dt.timedelta(days=29)


def test_spans_tile_each_machine_without_gaps(run):
    by_row = {}
    for iv in run.intervals():
        by_row.setdefault((iv.subject, iv.machine), []).append(iv)
    for ivs in by_row.values():
        for a, b in zip(ivs, ivs[1:], strict=False):
            assert a.end == b.start
            assert a.state != b.state


def test_removal_closes_every_machine_of_the_subject(run, ids):
    api = ids["api"]
    removed = run.removed_at(api)
    assert removed is not None
    spans = [iv for iv in run.intervals() if iv.subject == api]
    assert spans and all(not iv.open for iv in spans)
    assert max(iv.end for iv in spans) == removed
    assert run.current(api, "profile") is None
    assert run.paths(api)["profile"] == ["provisioning", "provisioned", "deleting"]


def test_instant_states_can_be_included(run, ids):
    with_instant = [iv for iv in run.intervals(include_instant=True)
                    if iv.subject == ids["job"] and iv.machine == "job"]
    assert with_instant[0].state == "NotConfigured"
    assert with_instant[0].duration == dt.timedelta(0)


def test_quarantine_attempts_escalate_then_stop(run, ids):
    rows = run.quarantine_attempts()
    assert {r["subject"] for r in rows} == {ids["job"]}
    began = rows[0]["seriesBegan"]
    offsets = [(r["nextAttempt"] - began) / dt.timedelta(hours=1) for r in rows
               if r["nextAttempt"] is not None]
    assert offsets[:5] == [6, 12, 24, 48, 72]
    # Graph: 0 when imposed, +1 for each re-evaluation that left it in effect
    assert [r["seriesCount"] for r in rows] == list(range(len(rows)))
    # the last attempt, four weeks on, schedules nothing: the job is disabled
    assert rows[-1]["nextAttempt"] is None
    assert rows[-1]["time"] - began == dt.timedelta(days=28)


def test_empty_run(tmp_path):
    sim = Simulation(seed=1)
    run = Run.from_simulation(sim)
    assert run.subjects() == [] and run.intervals() == [] and run.start is None


def test_parse_time_and_short_subject():
    assert parse_time("2026-09-01T08:22:40.333333Z") == dt.datetime(
        2026, 9, 1, 8, 22, 40, 333333, tzinfo=UTC)
    assert parse_time("2026-09-01T08:22:40.5Z").microsecond == 500000
    assert parse_time("0001-01-01T00:00:00Z").year == 1
    assert short_subject("profile/abc") == "profile/abc"
    short = short_subject("job/scim.6513270e269e0d37.f2a74de452e6b438")
    assert len(short) <= 24 and short.startswith("job/scim.") and short.endswith("b438")


def test_from_simulation_matches_json_lines(story, run_dir):
    sim, _ = story
    lines = (run_dir / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == Run.from_simulation(sim).events
