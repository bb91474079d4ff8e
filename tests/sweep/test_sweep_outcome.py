"""One run of a sweep, without Dask: the row a worker sends back."""

from pathlib import Path

from sdssim.scenario import load
from sdssim.sweep import OUTCOME_COLUMNS, run_chunk, run_one

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DISABLED = SCENARIOS / "12-quarantine-escalates-to-disabled.yaml"


def test_a_disabled_job_row():
    row = run_one(load(DISABLED), 3)
    assert list(row) == ["seed", *OUTCOME_COLUMNS]
    assert row["seed"] == 3
    assert row["passed"] is True and row["failures"] == 0 and row["checks"] > 10
    assert row["quarantined"] is True and row["job_quarantines"] == 1
    assert row["disabled"] is True and row["disablements"] == 1
    assert row["sync_quarantines"] == 0
    # steady state first reached after the start in September (the scenario starts 1 August)
    assert 44 * 24 < row["time_to_steady_h"] < 45 * 24
    assert row["error"] == ""


def test_overrides_change_the_outcome_and_the_expectations_notice():
    row = run_one(load(DISABLED), 3, {"quarantine_disable_after": "P60D"})
    assert row["disabled"] is False and row["disablements"] == 0
    assert row["passed"] is False and row["failures"] > 0


def test_rows_are_deterministic_and_a_chunk_keeps_seed_order():
    sc = load(DISABLED)
    rows = run_chunk(sc, [5, 2, 9])
    assert [r["seed"] for r in rows] == [5, 2, 9]
    assert rows == [run_one(sc, s) for s in (5, 2, 9)]


def test_profile_only_scenario_has_no_time_to_steady_state():
    row = run_one(load(SCENARIOS / "04-profile-quarantine.yaml"), 0)
    assert row["time_to_steady_h"] is None
    assert row["sync_quarantines"] >= 1 and row["quarantined"] is True
    assert row["job_quarantines"] == 0


def test_an_exception_in_a_run_is_a_row_not_a_crash():
    sc = load(DISABLED)
    row = run_one(sc, 1, {"cycle_interval": object()})
    assert row["seed"] == 1 and row["passed"] is False
    # SimConfig refuses the value with sdssim's documented ValueError (BadRequest)
    assert row["error"].startswith("BadRequest: invalid duration")
    assert row["time_to_steady_h"] is None


def test_documented_cycle_interval_grid_shows_a_difference():
    """docs/performance.md's example: the override reaches the run, and a column shows it."""
    scenario = load(str(SCENARIOS / "08-credential-quarantine-lifted-by-start.yaml"))
    fast = run_one(scenario, 23, {"cycle_interval": "PT20M"})
    slow = run_one(scenario, 23, {"cycle_interval": "PT40M"})
    assert fast["cycles"] == 20 and slow["cycles"] == 13
    assert run_one(scenario, 23)["cycles"] == slow["cycles"]     # PT40M is the default
