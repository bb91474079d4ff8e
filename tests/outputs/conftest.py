"""Runs for the output tests: simulated once per session and written as run directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdssim import Simulation

SP = "sp-1"
START = "2026-09-01T08:00:00Z"

CSV_PROFILE = {
    "displayName": "Term 1 Sync",
    "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
    "identitySynchronizationConfiguration": {
        "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
        "userDomains": [{"appliesTo": "student", "name": "school.edu"}],
    },
    "licensesToAssign": [],
}
API_PROFILE = {
    **CSV_PROFILE,
    "displayName": "OneRoster",
    "dataProvider": {"@odata.type": "#microsoft.graph.educationOneRosterApiDataProvider",
                     "connectionUrl": "https://sis.example.edu/oneroster"},
}
#: valid files with two row-level problems: start answers two warnings, sync records two errors
CSV_FILES = {
    "School.csv": "SIS ID,Name\n1,North High\n",
    "Section.csv": "SIS ID,School SIS ID,Section Name\nS1,1,Math\n",
    "Student.csv": "SIS ID,School SIS ID,Username\nst1,1,ann\nst2,1,\nst3,9,bob\n",
    "Teacher.csv": "SIS ID,School SIS ID,Username\nt1,1,tom\n",
    "StudentEnrollment.csv": "Section SIS ID,SIS ID\nS1,st1\n",
    "TeacherRoster.csv": "Section SIS ID,SIS ID\nS1,t1\n",
}

def expectations(ids: dict[str, str]) -> list[dict]:
    """What ``sdssim run`` writes to expectations.json: one row per check."""
    return [
        {"time": "2026-09-02T08:00:00Z", "subject": ids["job"], "label": "job payroll",
         "field": "job_code", "expected": "Quarantine", "actual": "Quarantine",
         "passed": True, "line": 12, "column": 7},
        {"time": "2026-09-30T08:00:00Z", "subject": ids["job"], "label": "job payroll",
         "field": "schedule_state", "expected": "Disabled", "actual": "Disabled",
         "passed": True, "line": 15, "column": 7},
        {"time": "2026-10-01T11:00:00Z", "subject": "profile <script>alert(1)</script>",
         "field": "status", "expected": {"in": ["success"]}, "actual": "error",
         "passed": False},
    ]


def build_story() -> tuple[Simulation, dict[str, str]]:
    """One run touching every output: a 30-day job quarantine with disablement and
    recovery, a CSV profile whose warnings become entry errors, a deleted API profile."""
    sim = Simulation(seed=7, start=START)
    job = sim.create_job(SP, {"templateId": "scim"}, objects={"User": 1200})
    sim.start_job(SP, job.id)
    sim.add_fault("credential_failure", at="2026-09-01T10:00:00Z", duration="P29D",
                  target=f"job/{job.id}")
    csv = sim.create_profile(CSV_PROFILE)
    api = sim.create_profile(API_PROFILE)
    sim.advance("PT10M")
    sim.get_upload_url(csv.id)
    sim.upload_files(csv.id, CSV_FILES)
    sim.advance("PT6M")
    sim.start_profile(csv.id)
    sim.delete_profile(api.id)
    sim.advance("P30D")
    sim.restart_job(SP, job.id, reset_scope="QuarantineState")
    sim.advance("PT3H")
    ids = {"job": f"job/{job.id}", "csv": f"profile/{csv.id}", "api": f"profile/{api.id}"}
    return sim, ids


def write_run_dir(sim: Simulation, directory: Path, expectations=None) -> Path:
    """Write ``sim``'s records in the run-directory format of ``sdssim run --out``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, records in (("events.jsonl", sim.events), ("snapshots.jsonl", sim.snapshots),
                          ("errors.jsonl", sim.errors)):
        with open(directory / name, "w", encoding="utf-8", newline="\n") as fh:
            for rec in records:
                fh.write(json.dumps(rec.to_json(), sort_keys=True, separators=(",", ":")))
                fh.write("\n")
    if expectations is not None:
        (directory / "expectations.json").write_text(json.dumps(expectations, indent=1),
                                                     encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def story():
    return build_story()


@pytest.fixture(scope="session")
def run_dir(story, tmp_path_factory) -> Path:
    sim, ids = story
    return write_run_dir(sim, tmp_path_factory.mktemp("runs") / "story", expectations(ids))


@pytest.fixture(scope="session")
def ids(story) -> dict[str, str]:
    return story[1]


@pytest.fixture(scope="session")
def run(run_dir):
    from sdssim.outputs.runio import load_run

    return load_run(run_dir)
