"""Random call sequences cut anywhere and restored continue exactly; the fork fixture; the rule."""

import datetime as _dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdssim import Simulation
from sdssim.scenario.materialize import materialize
from sdssim.scenario.plan import Call, PlanRun, _perform, _target, run_plan
from sdssim.testing import SimulationTemplate, assert_same_future, fork_fixture
from sdssim.testing import strategies as S
from sdssim.testing.forking import state_of
from sdssim.testing.stateful import CheckpointedSimulationMachine


def _run_with_restore(plan, cut_us):
    """``run_plan``, but the simulation is checkpointed and replaced by its copy at ``cut_us``."""
    sim = Simulation(seed=plan.seed, start=plan.start, config=plan.sim_config())
    run = PlanRun(plan, sim, materialize(plan, sim))
    base = plan.start_time
    cut_done = False
    for offset, step in plan.timeline:
        if not cut_done and offset > cut_us:
            run.sim.run_until(base + _dt.timedelta(microseconds=cut_us))
            run.sim = Simulation.restore(run.sim.checkpoint())
            cut_done = True
        run.sim.run_until(base + _dt.timedelta(microseconds=offset))
        if isinstance(step, Call):
            run.outcomes.append((offset, step, _perform(run, step)))
        else:
            run.sim.add_fault(step.kind, duration=step.duration, target=_target(run, step),
                              **step.params)
    if not cut_done:
        run.sim.run_until(max(base + _dt.timedelta(microseconds=cut_us), run.sim.now))
        run.sim = Simulation.restore(run.sim.checkpoint())
    last = plan.timeline[-1][0] if plan.timeline else 0
    end = max(last, plan.end_us or 0)
    run.sim.run_until(max(base + _dt.timedelta(microseconds=end), run.sim.now))
    return run


def _outcomes(run):
    return [(t, s, r.to_json() if hasattr(r, "to_json") else repr(r)) for t, s, r in run.outcomes]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=S.scenarios(profiles=(0, 2), jobs=(1, 3), max_calls=8, max_faults=3,
                        horizon="P3D"),
       where=st.floats(0, 1))
def test_random_call_sequences_restored_anywhere_continue_exactly(plan, where):
    cut = int((plan.end_us or 0) * where) // 60_000_000 * 60_000_000
    whole = run_plan(plan)
    cut_run = _run_with_restore(plan, cut)
    assert state_of(cut_run.sim)[:6] == state_of(whole.sim)[:6]
    assert _outcomes(cut_run) == _outcomes(whole)


SETUP_CALLS = []


@fork_fixture
def quarantined_a_month():
    SETUP_CALLS.append(1)
    sim = Simulation(seed=4)
    job = sim.create_job("sp-1", {"templateId": "scim"})
    sim.start_job("sp-1", job.id)
    sim.add_fault("credential_failure", duration="P40D", target=f"job/{job.id}")
    sim.advance("P30D")
    return sim


@pytest.mark.parametrize("action", ["restart", "delete", "nothing"])
def test_each_test_gets_its_own_fork_of_one_set_up(quarantined_a_month, action):
    sim = quarantined_a_month
    assert len(SETUP_CALLS) == 1  # the 30 days ran once for all three tests
    (job,) = sim.list_jobs("sp-1")
    assert job.status.quarantine is not None  # untouched by the other tests' actions
    assert sim.now.isoformat().startswith("2026-10-01T08:00:00")
    if action == "restart":
        sim.restart_job("sp-1", job.id, reset_scope="QuarantineState")
    elif action == "delete":
        sim.delete_job("sp-1", job.id)


def test_a_template_refuses_a_set_up_that_returns_no_simulation():
    with pytest.raises(TypeError, match="must return a Simulation"):
        SimulationTemplate(lambda: 3).fork()


def test_assert_same_future_finds_a_copy_that_diverges(monkeypatch):
    sim = Simulation(seed=2)
    job = sim.create_job("sp", {"templateId": "scim"})
    sim.start_job("sp", job.id)
    assert_same_future(sim, "P2D")  # holds
    calls = []

    def act(s):  # acts on only one of the two: the check must notice
        calls.append(s)
        if len(calls) == 2:
            s.pause_job("sp", job.id)

    with pytest.raises(AssertionError, match="differs after restore|evolved differently"):
        assert_same_future(sim, "P1D", act)


class CheckCheckpoints(CheckpointedSimulationMachine):
    max_advance = "P2D"


CheckCheckpoints.TestCase.settings = settings(max_examples=8, stateful_step_count=12,
                                              deadline=None)
TestCheckpointRule = CheckCheckpoints.TestCase
