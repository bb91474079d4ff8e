"""Checkpoint, restore and branch: exact continuation, independence, and a loader that runs no code."""

import io
import json
import pickle
import zlib

import pytest

from sdssim import SimConfig, Simulation
from sdssim.engine import checkpoint as ckpt
from sdssim.engine.checkpoint import CheckpointError
from sdssim.errors import Throttled

from .builders import good_files, profile_body


def _busy(seed=5, **kw):
    """Profiles mid-sync, stepped and lazy steady jobs, a quarantine, throttle counters."""
    sim = Simulation(seed=seed, **kw)
    pid = sim.create_profile(profile_body()).id
    sim.advance("PT5M")
    sim.get_upload_url(pid)
    sim.upload_files(pid, good_files(40))
    sim.advance("PT5M")
    sim.start_profile(pid)
    jobs = []
    for i in range(6):
        job = sim.create_job(f"sp-{i % 2}", {"templateId": "scim"},
                             objects={"User": 500 * (i + 1)})
        sim.start_job(f"sp-{i % 2}", job.id)
        jobs.append((f"sp-{i % 2}", job.id))
    sim.add_fault("credential_failure", at="2026-09-02T08:00:00Z", duration="P3D",
                  target=f"job/{jobs[0][1]}")
    sim.add_fault("entry_failures", at="2026-09-04T08:00:00Z", duration="PT6H",
                  target=f"job/{jobs[1][1]}", rate=0.6)
    sim.add_fault("throttle", at="2026-09-03T08:00:00Z", requests=4, retry_after=7)
    sim.advance("PT3H")
    return sim, pid, jobs


def _future(sim, pid, jobs):
    """The same calls and time on any copy: what must come out identical."""
    out = []
    for day in range(12):
        sim.advance("PT17H")
        for sp, jid in jobs[: 1 + day % 3]:
            try:
                out.append(sim.get_job(sp, jid).to_json())
            except Throttled as exc:
                out.append(("throttled", exc.retry_after))
        if day == 4:
            sim.restart_job(*jobs[0], reset_scope="QuarantineState")
            sim.pause_profile(pid)
        if day == 6:
            sim.resume_profile(pid)
            out.append(sim.create_job("sp-9", {"templateId": "scim"}).id)
    out.append(sim._core.new_uuid())
    return out


def _everything(sim):
    return ([r.to_json() for r in sim.records()], sim.call_log,
            [f.to_json() for f in sim.faults], sim.events_processed, sim.now,
            sim._core.rng.getstate(), repr(sim))


@pytest.mark.parametrize("cut", ["PT1H", "P1DT7H", "P3D", "P5DT1H"])
def test_restore_then_continue_equals_never_stopping(cut):
    a, pid, jobs = _busy()
    b, _, _ = _busy()
    a.advance(cut)
    b.advance(cut)
    c = Simulation.restore(b.checkpoint())
    del b
    assert _future(a, pid, jobs) == _future(c, pid, jobs)
    assert _everything(a) == _everything(c)


def test_lazy_steady_jobs_continue_exactly():
    a = Simulation(seed=9, config=SimConfig(lazy_steady_state=True))
    jobs = []
    for i in range(20):
        j = a.create_job("sp", {"templateId": "scim"}, objects={"User": 100 + i})
        a.start_job("sp", j.id)
        jobs.append(j.id)
    a.advance("P2D")
    assert any(a._jobs.jobs[j].lazy for j in a._jobs.jobs), "no job went lazy: test is moot"
    b = Simulation.restore(a.checkpoint())
    for sim in (a, b):
        sim.advance("P9D")
        sim.add_fault("endpoint_down", duration="P1D", target=f"job/{jobs[3]}")
        sim.advance("P3D")
    assert [sim.get_job("sp", jobs[3]).to_json() for sim in (a, b)][0] == \
        b.get_job("sp", jobs[3]).to_json()
    assert _everything(a) == _everything(b)


def test_branch_is_independent_and_at_the_same_time():
    sim, pid, jobs = _busy()
    before = _everything(sim)
    copy = sim.branch()
    assert copy.now == sim.now
    assert _everything(copy) == before
    copy.delete_job(*jobs[2])
    copy.advance("P2D")
    assert _everything(sim) == before  # the original did not move
    assert jobs[2][1] in sim._jobs.jobs and len(copy._jobs.jobs) == len(sim._jobs.jobs) - 1


def test_on_record_is_not_state_and_is_supplied_again():
    seen = []
    sim = Simulation(seed=1, keep_records=False, on_record=lambda r: seen.append(r.seq))
    job = sim.create_job("sp", {"templateId": "scim"})
    sim.start_job("sp", job.id)
    data = sim.checkpoint()  # a lambda is fine: it becomes a placeholder
    again = []
    restored = Simulation.restore(data, on_record=lambda r: again.append(r.seq))
    sim.advance("P1D")
    restored.advance("P1D")
    n = len(again)
    assert n > 0 and again == seen[-n:]


def test_save_writes_atomically_and_restores_from_a_path(tmp_path):
    sim, _, _ = _busy()
    path = tmp_path / "sim.ckpt"
    path.write_bytes(b"old")
    sim.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["sim.ckpt"]  # no temporary left
    head, _, _ = path.read_bytes().partition(b"\n")
    assert head == b"SDSSIM-CHECKPOINT"
    header, _ = ckpt.read_header(path.read_bytes())
    assert header["format"] == ckpt.FORMAT_VERSION and header["kind"] == "simulation"
    assert header["time"] == sim.now.isoformat().replace("+00:00", "Z")
    assert _everything(Simulation.restore(path)) == _everything(sim)
    assert _everything(Simulation.restore(str(path))) == _everything(sim)


def test_a_stray_callable_in_state_is_refused_when_writing():
    sim = Simulation(seed=1)
    sim.call_log.append({"oops": print})
    with pytest.raises(CheckpointError, match="callbacks are not state"):
        sim.checkpoint()


# -- refusals ----------------------------------------------------------------------------

def _wrap(body: bytes, **header) -> bytes:
    head = {"format": ckpt.FORMAT_VERSION, "sdssim": "0.1.0", "kind": "simulation",
            "time": "2026-09-01T08:00:00Z", "compression": "zlib", **header}
    return b"SDSSIM-CHECKPOINT\n" + json.dumps(head).encode() + b"\n" + zlib.compress(body)


@pytest.mark.parametrize("body", [
    b"cos\nsystem\n(S'touch PWNED'\ntR.",                      # GLOBAL os.system
    b"cposix\nsystem\n(S'touch PWNED'\ntR.",                   # GLOBAL posix.system
    b"cbuiltins\neval\n(S'open(\"PWNED\", \"w\")'\ntR.",          # builtins.eval
    b"cbuiltins\ngetattr\n(cbuiltins\nobject\nS'__subclasses__'\ntR.",  # builtins.getattr
    b"csubprocess\nPopen\n((S'touch'\nS'PWNED'\nltR.",          # subprocess
    b"cbuiltins\n__import__\n(S'os'\ntR.",                     # __import__
], ids=["os.system", "posix.system", "eval", "getattr", "subprocess", "__import__"])
def test_crafted_pickles_are_refused_before_anything_runs(body, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CheckpointError, match="not sdssim state"):
        Simulation.restore(_wrap(body))
    assert not (tmp_path / "PWNED").exists()


def test_binding_a_method_of_a_non_state_object_is_refused():
    buf = io.BytesIO()

    class Marker:
        pass

    class P(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, Marker):
                return ckpt._rebind, ("abc", "format")
            return NotImplemented

    P(buf, protocol=5).dump([Marker()])
    with pytest.raises(CheckpointError, match="not an event handler of an sdssim engine class"):
        Simulation.restore(_wrap(buf.getvalue()))


def test_only_private_engine_handlers_can_be_bound():
    sim = Simulation(seed=1)
    assert ckpt._rebind(sim._jobs, "_begin").__func__.__name__ == "_begin"
    for obj, name in ((sim, "__init__"), (sim._core, "no_such_method"), (sim, "save"),
                      (sim, "to_scenario"), (sim._core, "fire")):
        with pytest.raises(CheckpointError, match="not an event handler"):
            ckpt._rebind(obj, name)


def test_a_public_method_in_the_state_is_refused_when_writing():
    sim = Simulation(seed=1)
    sim._core.at(sim._core.now + 10, sim.save, "/tmp/pwned.ckpt")
    with pytest.raises(CheckpointError, match="only engine event handlers are state"):
        sim.checkpoint()


@pytest.mark.parametrize("fmt", [0, 1, 2, 4, 99, None, "3"])  # 1, 2: before issue 18's layouts
def test_another_format_version_is_refused_with_a_clear_message(fmt):
    data = Simulation(seed=1).checkpoint()
    header, body = ckpt.read_header(data)
    header["format"] = fmt
    other = b"SDSSIM-CHECKPOINT\n" + json.dumps(header).encode() + b"\n" + body
    with pytest.raises(CheckpointError) as info:
        Simulation.restore(other)
    message = str(info.value)
    assert f"checkpoint format {fmt!r}" in message and f"reads format {ckpt.FORMAT_VERSION} only" in message
    assert "\n" not in message


@pytest.mark.parametrize("data, match", [
    (b"", "not an sdssim checkpoint"),
    (b"\x80\x05K\x01.", "not an sdssim checkpoint"),
    (b"SDSSIM-CHECKPOINT\nnot json\n", "header line is not a JSON object"),
])
def test_non_checkpoints_are_refused(data, match):
    with pytest.raises(CheckpointError, match=match):
        Simulation.restore(data)


def test_a_truncated_checkpoint_is_refused_as_damaged():
    data = _busy()[0].checkpoint()
    with pytest.raises(CheckpointError, match="damaged"):
        Simulation.restore(data[: len(data) // 2])


def test_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        Simulation.restore(tmp_path / "nope.ckpt")


def test_a_checkpoint_of_another_kind_is_refused():
    data = ckpt.dumps({"a": 1}, kind="scenario-run", time_us=0)
    with pytest.raises(CheckpointError, match="holds a 'scenario-run'"):
        Simulation.restore(data)


def test_an_unknown_placeholder_is_refused():
    class Marker:
        pass

    buf = io.BytesIO()

    class P(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, Marker):
                return ckpt._symbol, ("os.system",)
            return NotImplemented

    P(buf, protocol=5).dump([Marker()])
    with pytest.raises(CheckpointError, match="unknown placeholder 'os.system'"):
        Simulation.restore(_wrap(buf.getvalue()))
