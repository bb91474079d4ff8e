"""The record log: records stored by column read back exactly as they were made."""

import json
import pickle

from sdssim import Simulation

from .builders import started_job


def _sim(**options):
    sim = Simulation(seed=5, **options)
    jid = started_job(sim, objects={"User": 9000})
    sim.advance("P1D")
    sim.add_fault("credential_failure", duration="PT3H")
    sim.advance("P2D")
    sim.add_fault("entry_failures", duration="PT2H", count=6000, target=f"job/{jid}")
    sim.restart_job("sp-1", jid, "Watermark")
    sim.advance("P2D")
    return sim


def test_streamed_and_kept_records_are_the_same():
    streamed = []
    _sim(on_record=streamed.append, keep_records=False)
    kept = _sim()
    assert [r.to_json() for r in streamed] == [r.to_json() for r in kept.records()]
    assert [r.seq for r in kept.records()] == list(range(1, len(streamed) + 1))
    kinds = {type(r).__name__ for r in kept.records()}
    assert kinds == {"EventRecord", "SnapshotRecord", "ErrorRecord"}


def test_sequences_index_slice_and_filter_like_lists():
    sim = _sim()
    events = list(sim.events)
    assert len(sim.events) == len(events) > 10
    assert sim.events[-1] == events[-1] and sim.events[0] == events[0]
    assert sim.events[2:5] == events[2:5]
    assert sim.events == events
    assert [r.seq for r in sim.records(since=7)] == [r.seq for r in sim.records()][7:]
    every = sorted([*sim.events, *sim.snapshots, *sim.errors], key=lambda r: r.seq)
    assert [r.to_json() for r in every] == [r.to_json() for r in sim.records()]


def test_errors_read_back_as_fresh_dicts():
    sim = _sim()
    first, second = sim.errors[0], sim.errors[0]
    assert first.data == second.data and first.data is not second.data
    first.data["code"] = "changed"
    assert sim.errors[0].data["code"] != "changed"


def test_a_checkpoint_keeps_the_log():
    sim = _sim()
    before = [json.dumps(r.to_json()) for r in sim.records()]
    again = Simulation.restore(sim.checkpoint())
    assert [json.dumps(r.to_json()) for r in again.records()] == before
    again.advance("P1D")
    sim.advance("P1D")
    assert [r.to_json() for r in again.records()] == [r.to_json() for r in sim.records()]
    assert again.state_at(sim.events[-1].subject, "2026-09-02T00:00:00Z") == \
        sim.state_at(sim.events[-1].subject, "2026-09-02T00:00:00Z")
    assert pickle.loads(pickle.dumps(sim.events[0])) == sim.events[0]


def test_revision_moves_on_every_change_and_never_on_a_read():
    sim = Simulation(seed=6, keep_records=False)  # no records to count: the revision still moves
    seen = [sim.revision]

    def moved():
        seen.append(sim.revision)
        return seen[-1] > seen[-2]

    jid = sim.create_job("sp-1", {"templateId": "scim"}).id
    assert moved()
    sim.start_job("sp-1", jid)
    assert moved()
    sim.advance("PT1M")
    assert moved()
    sim.add_fault("throttle", requests=1)
    assert moved()
    sim.observe.get_job("sp-1", jid)
    sim.observe.list_jobs("sp-1")
    assert sim.observe.request_refused()
    assert not moved()  # reads change nothing
    try:
        sim.get_job("sp-1", jid)  # refused by the throttle fault, which counts it
    except Exception:
        pass
    assert moved()
    assert not sim.observe.request_refused()
    sim.get_job("sp-1", jid)
    assert not moved()  # a read through the API changes nothing either
    sim.update_job("sp-1", jid, {"schedule": {"interval": "PT1H"}})
    assert moved()


def test_call_log_entries_are_copies_of_a_jobs_objects():
    sim = _sim()
    entry = next(e for e in sim.call_log if e.get("call") == "create_job")
    entry["args"]["objects"]["User"] = 1
    again = next(e for e in sim.call_log if e.get("call") == "create_job")
    assert again["args"]["objects"] == {"User": 9000}
    assert sim.list_jobs("sp-1")[0].status.synchronized_entry_count_by_type[0].value == 9000
