"""Records, history and determinism."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdssim import Simulation
from sdssim.engine.records import ErrorRecord, EventRecord, SnapshotRecord
from sdssim.errors import BadRequest, Throttled

from .builders import profile_body, started_job, uploaded


def story(seed):
    sim = Simulation(seed=seed)
    pid = uploaded(sim)
    sim.start_profile(pid)
    jid = started_job(sim, objects={"User": 500})
    sim.add_fault("credential_failure", at="2026-09-02T08:00:00Z", duration="PT8H",
                  target=f"job/{jid}")
    sim.advance("P3D")
    return sim, pid, jid


def dump(sim):
    return [json.dumps(r.to_json(), sort_keys=True) for r in sim.records()]


def test_same_seed_gives_identical_records_and_different_seed_differs():
    a, b, c = story(1)[0], story(1)[0], story(2)[0]
    assert dump(a) == dump(b)
    assert dump(a) != dump(c)


def test_records_are_in_seq_and_time_order():
    sim = story(3)[0]
    recs = list(sim.records())
    assert [r.seq for r in recs] == list(range(1, len(recs) + 1))
    times = [r.time_us for r in recs]
    assert times == sorted(times)


def test_event_json_has_the_documented_fields():
    sim, pid, jid = story(4)
    e = sim.events[0].to_json()
    assert set(e) == {"seq", "time", "type", "subject", "machine", "from", "to", "trigger", "cause"}
    assert e["time"].endswith("Z")
    subjects = {r.subject for r in sim.events}
    assert subjects == {f"profile/{pid}", f"job/{jid}"}
    causes = [r.cause for r in sim.events if r.subject == f"job/{jid}" and r.to_state == "Quarantine"]
    assert causes and all("CredentialsInvalid" in c for c in causes)


def test_snapshots_hold_graph_json_with_evolvable_members():
    sim, pid, _ = story(5)
    kinds = {s.kind for s in sim.snapshots}
    assert kinds == {"profile", "profileStatus", "job"}
    statuses = [s.data["status"] for s in sim.snapshots if s.kind == "profileStatus"]
    assert "validating" in statuses and "extracting" in statuses


def test_error_records_carry_graph_error_json():
    sim, _, jid = story(6)
    errs = [e for e in sim.errors if e.subject == f"job/{jid}"]
    assert errs and errs[0].kind == "synchronizationError"
    assert errs[0].to_json()["data"] == {"code": "CredentialsInvalid", "message":
                                         "The administrator credentials are invalid or expired.",
                                         "tenantActionable": True}


def test_state_at_answers_for_past_times():
    sim, pid, jid = story(7)
    before = sim.state_at(f"job/{jid}", "2026-09-02T07:59:59Z")
    during = sim.state_at(f"job/{jid}", "2026-09-02T10:00:00Z")
    assert before["machines"]["job"] == "Active"
    assert during["machines"]["job"] == "Quarantine"
    assert during["snapshot"]["job"]["status"]["quarantine"]["reason"] == \
        "EncounteredQuarantineException"
    assert sim.state_at(f"job/{jid}", "2026-08-01T00:00:00Z") is None
    assert sim.state_at("job/unknown", "2026-09-02T10:00:00Z") is None
    assert sim.state_at(f"profile/{pid}", "2026-09-01T08:00:00Z")["machines"]["profile"] == \
        "provisioning"


def test_throttle_fault_refuses_the_next_n_calls_with_retry_after(sim):
    sim.add_fault("throttle", requests=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(Throttled) as info:
            sim.list_profiles()
        assert info.value.status == 429 and info.value.retry_after == 7
    assert sim.list_profiles() == []


@pytest.mark.parametrize("kind,params", [
    ("volcano", {}), ("entry_failures", {}), ("entry_failures", {"rate": 2}),
    ("throttling", {"slowdown": "fast"}), ("mass_deletes", {"count": -1}),
    ("credential_failure", {"extra": 1}), ("entry_failures", {"rate": 0.1, "count": 3}),
])
def test_bad_faults_are_refused_with_a_clear_message(sim, kind, params):
    with pytest.raises(BadRequest) as info:
        sim.add_fault(kind, **params)
    assert kind in info.value.message or "fault" in info.value.message


def test_faults_cannot_start_in_the_past_or_target_nonsense(sim):
    sim.advance("PT1H")
    with pytest.raises(BadRequest):
        sim.add_fault("endpoint_down", at="2026-09-01T08:00:00Z")
    with pytest.raises(BadRequest):
        sim.add_fault("endpoint_down", target="tenant/1")


def test_time_only_moves_forward(sim):
    sim.advance("PT1H")
    with pytest.raises(ValueError):
        sim.run_until("2026-09-01T08:00:00Z")
    assert sim.step() is False
    sim.create_profile(profile_body())
    assert sim.next_event_time() is not None and sim.step() is True


def test_on_record_streams_exactly_what_is_kept():
    streamed = []
    sim = Simulation(seed=8, on_record=streamed.append)
    pid = uploaded(sim)
    sim.start_profile(pid)
    started_job(sim)
    sim.advance("P1D")
    assert [r.to_json() for r in streamed] == [r.to_json() for r in sim.records()]


def test_without_kept_records_the_simulation_still_behaves_the_same():
    from sdssim import SimConfig

    cfg = SimConfig(status_lag="PT1M")
    streamed = []
    lean = Simulation(seed=9, config=cfg, keep_records=False, on_record=streamed.append)
    full = Simulation(seed=9, config=cfg)
    for sim in (lean, full):
        pid = uploaded(sim)
        sim.start_profile(pid)
        sim.advance("PT30S")
        assert sim.get_profile_status(pid).status.value == "paused"  # lag still applies
        sim.advance("P1D")
    assert lean.events == [] and lean.snapshots == [] and lean.errors == []
    assert [r.to_json() for r in streamed] == [r.to_json() for r in full.records()]
    with pytest.raises(ValueError, match="keep_records"):
        lean.state_at(f"profile/{pid}", "2026-09-01T08:00:00Z")


def test_snapshots_false_streams_events_and_errors_only():
    streamed = []
    lean = Simulation(seed=8, on_record=streamed.append, keep_records=False, snapshots=False)
    full = Simulation(seed=8)
    for sim in (lean, full):
        jid = started_job(sim)
        sim.add_fault("credential_failure", duration="PT2H", target=f"job/{jid}")
        sim.advance("P1D")
    expected = [r.to_json() for r in full.records() if r.to_json()["type"] != "snapshot"]
    got = [r.to_json() for r in streamed]
    for rec in expected + got:
        rec.pop("seq")  # snapshots no longer take sequence numbers
    assert got == expected and any(r["type"] == "error" for r in got)


def test_job_cycle_count_counts_lazy_cycles_too():
    from sdssim import SimConfig

    lazy, stepped = Simulation(seed=3), Simulation(seed=3, config=SimConfig(
        lazy_steady_state=False))
    counts = []
    for sim in (lazy, stepped):
        jid = started_job(sim, objects={"User": 200})
        sim.advance("P3D")
        counts.append(sim.job_cycle_count("sp-1", jid))
    assert counts[0] == counts[1] and 3 * 36 - 5 <= counts[0] <= 3 * 36 + 1


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


@given(st.builds(
    EventRecord, seq=st.integers(0, 2**63), time_us=st.integers(-62_135_596_800 * 10**6, 10**17),
    subject=st.text(), machine=st.text(), from_state=st.none() | st.text(),
    to_state=st.none() | st.text(), trigger=st.text(), cause=st.text()))
def test_an_event_line_is_its_json_encoded(record):
    """Event lines are written directly; they must be the dict's compact sorted JSON, any
    text included (quotes, control characters, non-ASCII, lone surrogates)."""
    assert record.to_line() == _ENCODE(record.to_json())
    assert json.loads(record.to_line()) == record.to_json()


def test_every_record_line_of_a_run_is_its_json_encoded():
    sim = story(5)[0]
    records = list(sim.records())
    assert {type(r) for r in records} == {EventRecord, SnapshotRecord, ErrorRecord}
    for record in records:
        assert record.to_line() == _ENCODE(record.to_json())
