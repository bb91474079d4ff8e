"""Hypothesis: generated valid scenarios load and run without error; corrupted ones are
rejected with clean ``FILE:LINE:COLUMN: message`` lines and exit code 2."""

import re
import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdssim.cli import main
from sdssim.scenario import load_string, run

PROFILE_ACTIONS = ["upload_files", "start_profile", "pause_profile", "resume_profile",
                   "reset_profile", "delete_profile", "get_profile_status", "list_errors",
                   "get_upload_url"]
JOB_ACTIONS = ["start_job", "pause_job", "stop_job", "restart_job", "validate_credentials",
               "apply_job", "delete_job", "get_job", "get_job_schema"]
SCOPES = ["Watermark, Escrows", "QuarantineState", "ForceDeletes", "Full", "None"]
PROFILE_FAULTS = ["provisioning_failure", "deletion_failure", "entry_failures",
                  "replica_unavailable", "throttling"]
JOB_FAULTS = ["credential_failure", "endpoint_down", "entry_failures", "mass_deletes",
              "replica_unavailable", "throttling"]
FAULT_PARAMS = {"entry_failures": {"rate": 0.3}, "mass_deletes": {"count": 700},
                "replica_unavailable": {"rate": 0.2}, "throttling": {"rate": 0.1}}
PROFILE_CHECKS = {
    "profile_state": ["provisioning", "provisioned", "deleting"],
    "sync_status": ["paused", "validating", "success", "error", "quarantined"],
    "error_count": [0, 3],
    "exists": [True, False],
}
JOB_CHECKS = {
    "job_code": ["NotConfigured", "Active", "Quarantine"],
    "schedule_state": ["Active", "Disabled"],
    "quarantine_series_count": [0, 1],
    "last_execution": ["Succeeded", None],
    "exists": [True],
}


@st.composite
def scenarios(draw):
    n_profiles = draw(st.integers(0, 2))
    n_jobs = draw(st.integers(0 if n_profiles else 1, 2))
    profiles = []
    for i in range(n_profiles):
        spec = {"key": f"school-{i}"}
        if draw(st.booleans()):
            spec["csv"] = {"generate": {
                "schools": draw(st.integers(1, 2)), "sections": draw(st.integers(0, 3)),
                "students": draw(st.integers(0, 20)), "teachers": draw(st.integers(0, 3))}}
        profiles.append(spec)
    jobs = [{"key": f"job-{i}", "objects": {"User": draw(st.integers(0, 300))}}
            for i in range(n_jobs)]
    timeline = []
    for _ in range(draw(st.integers(1, 8))):
        entry = {"at": f"+{draw(st.integers(0, 600))}m"}
        use_profile = profiles and (not jobs or draw(st.booleans()))
        kind = draw(st.sampled_from(["action", "fault", "expect"]))
        if use_profile:
            spec = draw(st.sampled_from(profiles))
            subject, key = "profile", spec["key"]
            actions = [a for a in PROFILE_ACTIONS if a != "upload_files" or "csv" in spec]
            faults, checks = PROFILE_FAULTS, PROFILE_CHECKS
        else:
            subject, key = "job", draw(st.sampled_from(jobs))["key"]
            actions, faults, checks = JOB_ACTIONS, JOB_FAULTS, JOB_CHECKS
        if kind == "action":
            action = draw(st.sampled_from(actions))
            entry.update({"action": action, subject: key})
            if action == "restart_job":
                entry["reset_scope"] = draw(st.sampled_from(SCOPES))
        elif kind == "fault":
            fault = draw(st.sampled_from(faults))
            entry.update({"fault": fault, subject: key})
            if fault in FAULT_PARAMS:
                entry["params"] = FAULT_PARAMS[fault]
        else:
            check = draw(st.sampled_from(sorted(checks)))
            entry["expect"] = {subject: key, check: draw(st.sampled_from(checks[check]))}
        if kind == "fault" and draw(st.booleans()):
            entry["duration"] = f"PT{draw(st.integers(1, 48))}H"
        timeline.append(entry)
    doc = {"name": "generated", "seed": draw(st.integers(0, 10_000)),
           "start": "2026-09-01T08:00:00Z"}
    if profiles:
        doc["profiles"] = profiles
    if jobs:
        doc["jobs"] = jobs
    doc["timeline"] = timeline
    return doc


def dump(doc) -> str:
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_generated_valid_scenarios_load_and_run(doc):
    text = dump(doc)
    scenario = load_string(text, "generated.yaml")
    first = run(scenario)
    assert first.checks_passed + len(first.failures) >= 0
    again = run(load_string(text, "generated.yaml"))
    assert [r.to_json() for r in again.sim.records()] == [r.to_json() for r in first.sim.records()]


@st.composite
def corrupted(draw):
    doc = draw(scenarios())
    timeline = doc["timeline"]
    i = draw(st.integers(0, len(timeline) - 1))
    how = draw(st.sampled_from(["wrong_type", "unknown_field", "bad_time", "unknown_reference",
                                "unknown_entry_field", "bad_enum"]))
    if how == "wrong_type":
        target = draw(st.sampled_from(["seed", "at", "name"]))
        if target == "seed":
            doc["seed"] = "forty-two"
        elif target == "name":
            doc["name"] = ["not", "a", "string"]
        else:
            timeline[i]["at"] = 40
    elif how == "unknown_field":
        doc["colour"] = "red"
    elif how == "bad_time":
        timeline[i]["at"] = draw(st.sampled_from(["whenever", "+forty minutes", "2026-13-01",
                                                  "+", "T+5"]))
    elif how == "unknown_reference":
        entry = timeline[i]
        holder = entry["expect"] if "expect" in entry else entry
        if "profile" in holder:
            holder["profile"] = "ghost-school"
        else:
            holder["job"] = "ghost-job"
    elif how == "unknown_entry_field":
        timeline[i]["colour"] = "red"
    else:
        timeline.append({"at": "+1m", "expect": {"job": "job-0" if "jobs" in doc else "x",
                                                 "job_code": "Running"}})
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted())
def test_corrupted_scenarios_give_located_problems_and_exit_2(doc):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corrupt.yaml"
        path.write_text(dump(doc), encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.stdout.splitlines() + result.stderr.splitlines()
    assert lines
    pattern = re.compile(rf"^{re.escape(str(path))}:\d+:\d+: \S")
    assert all(pattern.match(line) for line in lines), lines
    assert "Traceback" not in result.output
