"""Lazy steady state: skipping steady cycles changes nothing anyone can observe."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdssim import SimConfig, Simulation

from .builders import started_job
from .test_properties import OPS, run

STEPPED = SimConfig(lazy_steady_state=False)


def dump(sim):
    return [json.dumps(r.to_json(), sort_keys=True) for r in sim.records()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**16), OPS)
def test_lazy_and_stepped_runs_are_identical(seed, ops):
    seen_lazy, seen_stepped = [], []
    lazy = run(seed, ops, observe=seen_lazy)
    stepped = run(seed, ops, config=STEPPED, observe=seen_stepped)
    assert dump(lazy) == dump(stepped)
    assert seen_lazy == seen_stepped
    assert [j.to_json() for j in lazy.list_jobs("sp")] == \
        [j.to_json() for j in stepped.list_jobs("sp")]


def test_a_steady_job_costs_no_events_per_cycle():
    lazy, stepped = Simulation(seed=1), Simulation(seed=1, config=STEPPED)
    for sim in (lazy, stepped):
        started_job(sim, objects={"User": 200})
        sim.advance("P30D")
    assert stepped.events_processed > 2000  # 30 days of 40-minute cycles, two events each
    assert lazy.events_processed < 10
    assert lazy.get_job("sp-1", lazy.list_jobs("sp-1")[0].id).to_json() == \
        stepped.get_job("sp-1", stepped.list_jobs("sp-1")[0].id).to_json()


def test_faults_in_the_future_wake_exactly_at_their_start():
    sims = [Simulation(seed=2), Simulation(seed=2, config=STEPPED)]
    out = []
    for sim in sims:
        jid = started_job(sim, objects={"User": 300})
        sim.advance("P1D")
        sim.add_fault("credential_failure", at="2026-09-05T10:40:00Z", duration="P1D")
        sim.add_fault("mass_deletes", at="2026-09-08T00:00:00Z", count=900, target=f"job/{jid}")
        sim.advance("P10D")
        out.append((dump(sim), sim.get_job("sp-1", jid).to_json()))
    assert out[0] == out[1]
    assert any('"Quarantine"' in line for line in out[0][0])


def test_a_job_sleeps_until_a_known_future_fault_begins():
    """Faults scheduled before the job starts (a scenario's usual order) do not keep it
    stepped: it sleeps, wakes at each fault's start, and the records are the stepped ones."""
    out, events = [], []
    for config in (None, STEPPED):
        sim = Simulation(seed=3, config=config)
        jid = sim.create_job("sp-1", {"templateId": "scim"}, objects={"User": 400}).id
        sim.add_fault("endpoint_down", at="2026-09-04T09:10:00Z", duration="PT3H",
                      target=f"job/{jid}")
        sim.add_fault("entry_failures", at="2026-09-09T00:00:00Z", duration="PT2H", count=3)
        sim.add_fault("throttling", at="2026-09-12T00:00:00Z", duration="PT1H", slowdown=2)
        sim.start_job("sp-1", jid)
        sim.advance("P14D")
        out.append((dump(sim), sim.get_job("sp-1", jid).to_json()))
        events.append(sim.events_processed)
    assert out[0] == out[1]
    assert any('"Quarantine"' in line for line in out[0][0])
    assert events[1] > 900  # 14 days stepped: two events a cycle
    assert events[0] < 100  # lazy: awake only around the three faults


def test_a_fault_after_the_horizon_costs_nothing():
    counts = []
    for late_fault in (False, True):
        sim = Simulation(seed=4)
        for _ in range(20):
            started_job(sim, objects={"User": 300})
        if late_fault:
            sim.add_fault("credential_failure", at="2026-12-01T00:00:00Z", duration="PT1H")
        sim.advance("P30D")
        counts.append(sim.events_processed)
    assert counts[0] == counts[1]
