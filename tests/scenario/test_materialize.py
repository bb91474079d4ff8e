"""One materialize: declared subjects are created the same way by the runner, plans and serve."""

from sdssim.engine import SimConfig, Simulation
from sdssim.scenario import load_string, run
from sdssim.scenario.materialize import materialize
from sdssim.scenario.model import JobSpec, ProfileSpec
from sdssim.scenario.plan import Plan, run_plan
from sdssim.server.serve import build_simulation

DOC = """
name: materialize
seed: 3
profiles:
  - key: north
  - key: later
    create: false
jobs:
  - key: hr
    settings: {QuarantineTooManyDeletesThreshold: 42}
    schedule: {interval: PT20M}
  - key: plain
timeline:
  - at: +1h
    fault: credential_failure
    job: hr
    duration: PT2H
"""


def _fresh(scenario):
    return Simulation(seed=scenario.seed, start=scenario.start, config=SimConfig(**scenario.config))


def test_materialize_creates_declared_subjects_and_maps_keys():
    scenario = load_string(DOC)
    sim = _fresh(scenario)
    subjects = materialize(scenario, sim)
    assert set(subjects.profile_ids) == {"north"}  # create: false is left to an action
    assert set(subjects.job_ids) == {"hr", "plain"}
    profile = sim.get_profile(subjects.profile_ids["north"])
    assert profile.display_name == "north"
    sp, job_id = subjects.job_ids["hr"]
    job = sim.get_job(sp, job_id)
    settings = {kv.name: kv.value for kv in job.synchronization_job_settings or ()}
    assert settings["QuarantineTooManyDeletesThreshold"] == "42"
    assert subjects.subject("job", "hr") == f"job/{job_id}"
    assert subjects.subject("profile", "north") == f"profile/{profile.id}"


def test_runner_and_serve_create_the_same_subjects_as_materialize():
    scenario = load_string(DOC)
    expected = materialize(scenario, _fresh(scenario))
    result = run(scenario)
    assert sorted(result.labels) == sorted(
        [f"profile/{expected.profile_ids['north']}"]
        + [f"job/{jid}" for _sp, jid in expected.job_ids.values()])
    sim, notes = build_simulation(scenario)
    assert f"profile north: id {expected.profile_ids['north']}" in notes
    sp, jid = expected.job_ids["hr"]
    assert f"job hr: servicePrincipal {sp}, id {jid}" in notes
    assert any(n.startswith("fault credential_failure scheduled") and n.endswith(f"job/{jid}")
               for n in notes)


def test_a_plan_declares_subjects_with_the_scenario_model():
    plan = Plan(seed=3, profiles=(ProfileSpec("north"),),
                jobs=(JobSpec("hr", settings={"QuarantineTooManyDeletesThreshold": "42"}),))
    ran = run_plan(plan)
    sp, jid = ran.job_ids["hr"]
    job = ran.sim.get_job(sp, jid)
    assert {kv.name: kv.value for kv in job.synchronization_job_settings or ()}[
        "QuarantineTooManyDeletesThreshold"] == "42"
    # the plan's document is a scenario the loader reads back to the same declarations
    import yaml

    back = load_string(yaml.safe_dump(plan.to_document()))
    assert [p.key for p in back.profiles] == ["north"]
    assert back.job("hr").settings == {"QuarantineTooManyDeletesThreshold": "42"}
    assert back.job("hr").sp == plan.job("hr").sp
