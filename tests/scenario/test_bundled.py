"""Every bundled scenario runs, its expectations hold, and its output is deterministic."""

import filecmp

import pytest

from sdssim.outputs.jsonl import FILES, read_records, write_simulation
from sdssim.scenario import ExpectEntry, load, run, validate

from .conftest import SCENARIOS


def test_at_least_twelve_bundled_scenarios():
    assert len(SCENARIOS) >= 12


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_bundled_scenario_says_what_it_teaches(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Teaches: ")
    assert validate(path) == []


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_bundled_scenario_expectations_hold_and_output_is_deterministic(path, tmp_path):
    scenario = load(path)
    first = run(scenario)
    assert [str(f) for f in first.failures] == []
    assert first.passed and first.checks_passed > 0 and first.checks_skipped == 0
    write_simulation(first.sim, tmp_path / "a")
    write_simulation(run(load(path)).sim, tmp_path / "b")
    for name in FILES:
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name
        for record in read_records(tmp_path / "a" / name):
            assert "seq" in record and "time" in record


def _checked():
    """Every (check, expected value) some bundled scenario asserts."""
    seen = set()
    for path in SCENARIOS:
        for entry in load(path).timeline:
            if isinstance(entry, ExpectEntry):
                for check in entry.checks:
                    value = check.expected
                    seen.add((check.name, value if not isinstance(value, (dict, list)) else None))
    return seen


def test_bundled_scenarios_cover_every_state_the_issue_lists():
    seen = _checked()
    wanted = {
        "profile_state": ["provisioning", "provisioned", "provisioningFailed", "deleting",
                          "deletionFailed"],
        "sync_status": ["paused", "inProgress", "success", "error", "validationError",
                        "quarantined", "extracting", "validating"],
        "job_code": ["NotConfigured", "NotRun", "Active", "Paused", "Quarantine"],
        "schedule_state": ["Active", "Disabled", "Paused"],
        "quarantine_reason": ["EncounteredEscrowProportionThreshold",
                              "EncounteredTotalEscrowThreshold",
                              "EncounteredQuarantineException", "TooManyDeletes"],
        "quarantine_state": ["healthy", "retry6h", "retry12h", "retry24h", "daily", "disabled"],
        "last_execution": ["Succeeded", "Failed", "EntryLevelErrors"],
        "json:status.status": ["unknownFutureValue"],
        "exists": [False],
    }
    missing = [(name, value) for name, values in wanted.items() for value in values
               if (name, value) not in seen]
    assert missing == []


def test_bundled_scenarios_use_every_teaching_action():
    used = set()
    for path in SCENARIOS:
        for entry in load(path).timeline:
            used.add(getattr(entry, "name", None) or getattr(entry, "kind", None))
    for name in ("pause_profile", "resume_profile", "reset_profile", "start_job", "restart_job",
                 "pause_job", "stop_job", "delete_profile", "validate_credentials",
                 "credential_failure", "endpoint_down", "entry_failures", "mass_deletes",
                 "throttling", "throttle", "replica_unavailable", "provisioning_failure",
                 "deletion_failure"):
        assert name in used, name
