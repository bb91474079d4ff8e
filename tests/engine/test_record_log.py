"""The record log: records stored by column read back exactly as they were made."""

import json
import pickle

from sdssim import Simulation

from .builders import started_job


def _sim():
    sim = Simulation(seed=5)
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
    sim = Simulation(seed=5, on_record=streamed.append)
    kept = _sim()
    jid = started_job(sim, objects={"User": 9000})
    sim.advance("P1D")
    sim.add_fault("credential_failure", duration="PT3H")
    sim.advance("P2D")
    sim.add_fault("entry_failures", duration="PT2H", count=6000, target=f"job/{jid}")
    sim.restart_job("sp-1", jid, "Watermark")
    sim.advance("P2D")
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


def _old_log_state(sim):
    """The log's checkpoint state as sdssim wrote it before shapes: a symbol column each
    for machine, from, to and trigger (the kind of a snapshot or error in the first)."""
    import array

    log = sim._core.log
    state = log.__getstate__()
    symbols = list(state["_symbols"])
    ids = {s: i for i, s in enumerate(symbols)}

    def sym(text):
        if text not in ids:
            ids[text] = len(symbols)
            symbols.append(text)
        return ids[text]

    columns = {name: array.array("I") for name in ("_machine", "_src", "_dest", "_trigger")}
    for record in sim.records():
        if type(record).__name__ == "EventRecord":
            values = (record.machine, record.from_state, record.to_state, record.trigger)
        else:
            values = (record.kind, None, None, None)
        for name, value in zip(columns, values, strict=True):
            columns[name].append(sym(value))
    old = {k: v for k, v in state.items() if k not in ("_shape", "_shapes")}
    old.update({name: column.tobytes() for name, column in columns.items()})
    old["_symbols"] = symbols
    return old


def test_a_log_checkpointed_before_shapes_reads_back_the_same():
    sim = _sim()
    log = type(sim._core.log).__new__(type(sim._core.log))
    log.__setstate__(_old_log_state(sim))
    assert [r.to_json() for r in log] == [r.to_json() for r in sim.records()]


def test_a_call_log_checkpointed_before_flat_rows_reads_back_the_same():
    from sdssim.engine.calllog import CallLog

    sim = _sim()
    rows = [r if type(r) is dict else (r[0], r[1], r[2], tuple(r[3:]))
            for r in sim.call_log._rows]
    old = CallLog.__new__(CallLog)
    old.__setstate__((None, {"_rows": rows, "_keys": {}}))
    assert list(old) == list(sim.call_log) and len(old) == 5


def test_call_log_entries_are_copies_of_a_jobs_objects():
    sim = _sim()
    entry = next(e for e in sim.call_log if e.get("call") == "create_job")
    entry["args"]["objects"]["User"] = 1
    again = next(e for e in sim.call_log if e.get("call") == "create_job")
    assert again["args"]["objects"] == {"User": 9000}
    assert sim.list_jobs("sp-1")[0].status.synchronized_entry_count_by_type[0].value == 9000
