"""Plans and to_scenario: a simulation, its plan and its scenario give the same records."""

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from kit_data import FILES as KIT_FILES
from kit_data import PROFILE, started_profile

from sdssim import SimConfig, Simulation
from sdssim import scenario as sc
from sdssim.scenario.export import dump_document, to_plan, to_scenario
from sdssim.scenario.model import ProfileSpec
from sdssim.scenario.plan import Call, Fault, Plan, run_plan
from sdssim.testing import strategies as S

QUICK = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: the kit's files, but the second student's school (SCH9) is not in School.csv
FILES = {
    **KIT_FILES,
    "Student.csv": "SIS ID,School SIS ID,Username\nSTU1,SCH1,stu1@contoso.edu\n"
                   "STU2,SCH9,stu2@contoso.edu\n",
}


def events(sim):
    return [e.to_json() for e in sim.events]


def replay(text):
    return sc.run(sc.load_string(text, "exported.yaml"))


def driven(seed=11):
    """A simulation driven call by call, the way a test would."""
    sim = Simulation(seed=seed, config=SimConfig(status_lag="PT1M"))
    pid = started_profile(sim, FILES, before_upload="10m", before_start="6m")
    job = sim.create_job("sp-1", {"templateId": "scim"}, objects={"User": 8000, "Group": 20})
    sim.start_job("sp-1", job.id)
    sim.add_fault("credential_failure", duration="P1D", target=f"job/{job.id}")
    sim.add_fault("entry_failures", at=sim.now.add(hours=3), duration="PT2H",
                  target=f"profile/{pid}", count=1)
    sim.advance("2h")
    sim.pause_profile(pid)
    sim.advance("30m")
    sim.resume_profile(pid)
    sim.advance("2d")
    sim.restart_job("sp-1", job.id, reset_scope="Full")
    sim.update_job("sp-1", job.id, {"schedule": {"interval": "PT20M"}})
    sim.advance("5h")
    return sim




def test_to_scenario_replays_a_driven_simulation_to_the_same_events():
    sim = driven()
    text = to_scenario(sim)
    result = replay(text)
    assert events(result.sim) == events(sim)
    assert result.passed, [str(f) for f in result.failures]
    assert result.checks_passed > 0  # the final state is pinned by expectations
    assert "does not reproduce" not in yaml.safe_load(text)["description"]


def test_to_scenario_writes_the_file_and_keeps_config_seed_and_start(tmp_path):
    sim = driven(seed=5)
    path = tmp_path / "x.yaml"
    text = to_scenario(sim, path, name="mine")
    assert path.read_text(encoding="utf-8") == text
    doc = yaml.safe_load(text)
    assert doc["name"] == "mine" and doc["seed"] == 5 and doc["config"] == {"status_lag": "PT1M"}
    assert sc.validate(path) == []


def test_a_refused_start_changes_nothing_so_the_export_leaves_it_out():
    """A refused call changes nothing, call_log included: the export replays the same run."""
    sim = Simulation(seed=3)
    pid = sim.create_profile(PROFILE).id
    with pytest.raises(Exception):  # noqa: B017 - 409: not provisioned yet
        sim.start_profile(pid)
    sim.advance("1h")
    doc = yaml.safe_load(to_scenario(sim))
    assert not any(e.get("action") == "start_profile" for e in doc["timeline"])
    result = replay(dump_document(doc))
    assert result.passed and events(result.sim) == events(sim)


def test_faults_that_change_nothing_are_left_out_and_throttles_keep_their_remaining_requests():
    sim = Simulation(seed=2)
    pid = sim.create_profile(PROFILE).id
    sim.add_fault("throttle", requests=3)
    for _ in range(2):  # two throttled reads: not in the call log
        with pytest.raises(Exception):  # noqa: B017
            sim.get_profile(pid)
    sim.add_fault("deletion_failure", at=sim.now.add(days=9))  # not started by now
    sim.add_fault("credential_failure", target=f"profile/{pid}")  # jobs only
    sim.advance("1h")
    doc = yaml.safe_load(to_scenario(sim))
    faults = [e for e in doc["timeline"] if "fault" in e]
    assert faults == [{"at": "2026-09-01T08:00:00Z", "fault": "throttle",
                       "params": {"requests": 1}}]
    assert "left out" in doc["description"]
    assert events(replay(dump_document(doc)).sim) == events(sim)


def test_negative_seeds_cannot_be_exported():
    with pytest.raises(ValueError, match="seed"):
        to_scenario(Simulation(seed=-1))


def test_without_check_nothing_is_replayed_or_expected():
    plan = to_plan(driven(), check=False)
    assert all(isinstance(step, Call | Fault) for _t, step in plan.timeline)


@QUICK
@given(S.scenarios())
def test_a_plan_runs_like_its_scenario_document(plan):
    ran = run_plan(plan)
    result = sc.run(sc.load_string(dump_document(plan.to_document()), "plan.yaml"))
    assert events(result.sim) == events(ran.sim)


@QUICK
@given(S.scenarios())
def test_a_run_plan_exports_to_a_scenario_with_the_same_events(plan):
    sim = run_plan(plan).sim
    result = replay(to_scenario(sim))
    assert events(result.sim) == events(sim)
    assert result.passed, [str(f) for f in result.failures]


def test_plans_refuse_out_of_order_timelines():
    with pytest.raises(ValueError):
        Plan(profiles=(ProfileSpec("p"),),
             timeline=((5, Call("start_profile", profile="p")), (1, Call("get_profile",
                                                                          profile="p"))))


def test_merge_orders_by_offset_and_keeps_argument_order_on_ties():
    a = ((0, Call("start_job", job="j")), (10, Call("stop_job", job="j")))
    b = ((0, Fault("endpoint_down", job="j")),)
    merged = Plan.merge(b, a)
    assert [s.kind if isinstance(s, Fault) else s.method for _t, s in merged] == [
        "endpoint_down", "start_job", "stop_job"]


def test_a_paused_job_that_still_shows_its_quarantine_is_pinned_through_its_json():
    sim = Simulation(seed=9)
    job = sim.create_job("sp-1", {"templateId": "scim"}, objects={"User": 50})
    sim.start_job("sp-1", job.id)
    sim.add_fault("endpoint_down", target=f"job/{job.id}")
    sim.advance("1h")
    sim.pause_job("sp-1", job.id)
    sim.advance("1h")
    doc = yaml.safe_load(to_scenario(sim))
    expect = doc["timeline"][-1]["expect"]
    assert expect["job_code"] == "Paused" and "quarantine_reason" not in expect
    assert expect["json"]["status.quarantine.reason"] == "EncounteredQuarantineException"
    assert replay(dump_document(doc)).passed
