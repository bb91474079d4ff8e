"""Hypothesis: invariants hold over random operation sequences."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdssim import Simulation
from sdssim.errors import GraphError
from sdssim.machines import table

from .builders import ONEROSTER_PROVIDER, good_files, profile_body

SP = "sp"
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.sampled_from(["PT1M", "PT10M", "PT1H", "PT6H", "P1D"])),
        st.tuples(st.sampled_from([
            "start_profile", "pause_profile", "resume_profile", "reset_profile",
            "delete_profile", "upload", "start_job", "pause_job", "stop_job", "apply_job",
            "restart_job", "restart_q", "force_deletes",
        ]), st.integers(0, 1)),
        st.tuples(st.sampled_from(["credential_failure", "endpoint_down", "entry_failures",
                                   "mass_deletes", "replica_unavailable", "throttling"]),
                  st.integers(0, 1)),
    ),
    max_size=30,
)


def run(seed, ops, config=None, observe=None):
    """Drive a simulation through ``ops``; ``observe`` collects job JSON after every op."""
    sim = Simulation(seed=seed, config=config)
    pids = [sim.create_profile(profile_body()).id,
            sim.create_profile(profile_body(provider=ONEROSTER_PROVIDER)).id]
    jids = [sim.create_job(SP, {"templateId": "scim"}, objects={"User": 300}).id,
            sim.create_job(SP, {"templateId": "scim"}, objects={"User": 12000}).id]
    checks = []
    for op, arg in ops:
        if op == "advance":
            sim.advance(arg)
            if observe is not None:
                observe.append([sim.get_job(SP, j).to_json() for j in jids])
            continue
        pid, jid = pids[arg], jids[arg]
        before = (len(sim.events), len(sim.snapshots), len(sim.errors))
        try:
            if op == "upload":
                sim.get_upload_url(pid)
                sim.upload_files(pid, good_files())
            elif op == "reset_profile":
                sim.reset_profile(pid)
                checks.append(("reset", pid))
            elif op.endswith("_profile"):
                getattr(sim, op)(pid)
            elif op == "restart_q":
                sim.restart_job(SP, jid, reset_scope="QuarantineState")
            elif op == "force_deletes":
                sim.restart_job(SP, jid, reset_scope="ForceDeletes, Watermark")
            elif op.endswith("_job"):
                getattr(sim, op)(SP, jid)
            elif op == "entry_failures":
                sim.add_fault(op, rate=0.5, duration="PT3H", target=f"job/{jid}")
            elif op == "mass_deletes":
                sim.add_fault(op, count=600, target=f"job/{jid}")
            else:
                sim.add_fault(op, duration="PT8H", target=f"job/{jid}")
        except GraphError as exc:
            assert exc.status in (400, 403, 404, 409)
            if op != "upload":
                # a refused call changes nothing
                assert (len(sim.events), len(sim.snapshots), len(sim.errors)) == before, op
            continue
        if checks and checks[-1][0] == "reset":
            assert sim.list_errors(checks[-1][1]) == []
            checks.pop()
        for j in jids:
            job = sim.get_job(SP, j)
            if job.status.code.value == "Quarantine":
                assert job.status.quarantine is not None
    sim.advance("P2D")
    return sim


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**16), OPS)
def test_invariants_over_random_operation_sequences(seed, ops):
    sim = run(seed, ops)
    recs = list(sim.records())
    assert [r.time_us for r in recs] == sorted(r.time_us for r in recs)
    assert [r.seq for r in recs] == sorted(r.seq for r in recs)
    tables = {name: table(name) for name in ("profile", "sync", "job", "schedule", "quarantine")}
    for e in sim.events:
        if e.from_state is not None and e.to_state is not None:
            assert e.to_state in tables[e.machine].dests(e.from_state, e.trigger)
    for job in sim.list_jobs(SP):
        if job.status.code.value == "Quarantine":
            assert job.status.quarantine is not None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**16), OPS)
def test_same_seed_same_records(seed, ops):
    a, b = run(seed, ops), run(seed, ops)
    dump = lambda s: [json.dumps(r.to_json(), sort_keys=True) for r in s.records()]  # noqa: E731
    assert dump(a) == dump(b)
