"""The model's invariants, and the SimulationMachine that checks them after every step."""

import attrs
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import invariant, run_state_machine_as_test

import sdssim.testing as kit
from sdssim import Simulation
from sdssim.scenario.plan import run_plan
from sdssim.testing import strategies as S
from sdssim.testing.invariants import InvariantViolation, ModelInvariants, check_model
from sdssim.testing.stateful import SimulationMachine

QUICK = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(S.scenarios(horizon="P5D", max_faults=5, max_calls=10))
def test_invariants_hold_over_generated_scenarios(plan):
    check_model(run_plan(plan).sim)


def quarantined_sim():
    sim = Simulation(seed=4)
    job = sim.create_job("sp-1", {"templateId": "scim"}, objects={"User": 100})
    sim.add_fault("endpoint_down", target=f"job/{job.id}")
    sim.start_job("sp-1", job.id)
    sim.advance("1d")
    return sim


def test_the_checker_is_incremental_and_passes_a_healthy_run():
    sim = quarantined_sim()
    checker = ModelInvariants(sim)
    checker.check()
    sim.advance("3d")
    checker.check()
    assert any(state == "daily" for (_s, m), state in checker.states.items()
               if m == "quarantine")


class Tampered:
    """A simulation whose event records were tampered with (a simulation's own records are
    read-only): what the checker must catch."""

    def __init__(self, sim, events):
        self._sim, self.events = sim, events

    def __getattr__(self, name):
        return getattr(self._sim, name)


@pytest.mark.parametrize("corrupt, message", [
    (lambda e: attrs.evolve(e, to_state="Paused"), "not a declared transition"),
    (lambda e: attrs.evolve(e, from_state="NotRun"), "the machine was in"),
    (lambda e: attrs.evolve(e, seq=1), "does not follow"),
])
def test_a_corrupted_record_is_caught(corrupt, message):
    sim = quarantined_sim()
    events = list(sim.events)
    events[-1] = corrupt(events[-1])
    with pytest.raises(InvariantViolation, match=message):
        check_model(Tampered(sim, events))


def test_answers_that_disagree_with_the_machines_are_caught():
    sim = quarantined_sim()
    events = list(sim.events)
    first = next(i for i, e in enumerate(events) if e.to_state == "Quarantine")
    del events[first:]  # the records lose the quarantine, the job does not
    with pytest.raises(InvariantViolation, match="status.code"):
        check_model(Tampered(sim, events))


FAST = settings(max_examples=15, stateful_step_count=12, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def test_the_machine_runs_clean():
    run_state_machine_as_test(SimulationMachine, settings=FAST)


def test_a_failing_machine_is_written_as_a_replayable_scenario(tmp_path):
    class NoFaultedJobs(SimulationMachine):
        """A claim the machine breaks quickly (a job and an outage at once), so the test
        is about the written scenario, not about how long the search takes."""

        failure_scenario_dir = str(tmp_path)
        fault_kinds = ("endpoint_down",)

        @invariant()
        def never_a_job_during_an_outage(self):
            assert not (self._job_ids and self.sim.faults)

    with pytest.raises((AssertionError, Flaky)):
        run_state_machine_as_test(NoFaultedJobs, settings=settings(
            FAST, max_examples=200, phases=[Phase.generate], derandomize=True))
    [path] = tmp_path.iterdir()
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert any(e.get("fault") == "endpoint_down" for e in doc["timeline"])
    from sdssim import scenario

    result = scenario.run(scenario.load(path))
    assert result.passed, [str(f) for f in result.failures]


def test_a_pinned_seed_is_used():
    class Pinned(SimulationMachine):
        seed = 77

    assert Pinned().sim.seed == 77


def test_the_package_facade():
    assert sorted(kit.__all__) == sorted(dir(kit))
    assert kit.SimulationMachine is SimulationMachine
    assert kit.strategies is S
    with pytest.raises(AttributeError):
        kit.nothing  # noqa: B018
