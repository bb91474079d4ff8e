"""The declared machines, their compiled tables, and their agreement."""

from __future__ import annotations

import json
from collections import deque

import pytest

from sdssim.errors import InvalidTransition
from sdssim.machines import (
    MACHINES,
    REMOVED,
    Transition,
    TransitionTable,
    build_machine,
    declaration,
    new_model,
    table,
)

STATES = {
    "profile": ("provisioning", "provisioned", "provisioningFailed", "deleting", "deletionFailed"),
    "sync": (
        "paused",
        "inProgress",
        "success",
        "error",
        "validationError",
        "quarantined",
        "unknownFutureValue",
        "extracting",
        "validating",
    ),
    "job": ("NotConfigured", "NotRun", "Active", "Paused", "Quarantine"),
    "schedule": ("Active", "Disabled", "Paused"),
    "quarantine": ("healthy", "retry6h", "retry12h", "retry24h", "daily", "disabled"),
}
INITIAL = {
    "profile": "provisioning",
    "sync": "paused",
    "job": "NotConfigured",
    "schedule": "Disabled",
    "quarantine": "healthy",
}
#: unknownFutureValue is the wire stand-in for evolvable enum members: declared, never entered.
UNREACHABLE = {("sync", "unknownFutureValue")}


def all_pairs():
    for name in MACHINES:
        tab = table(name)
        for state in tab.states:
            for trigger in tab.triggers:
                yield name, state, trigger


def test_machine_names():
    assert MACHINES == ("profile", "sync", "job", "schedule", "quarantine")


@pytest.mark.parametrize("name", MACHINES)
def test_states_and_initial_are_pinned(name):
    tab = table(name)
    assert tab.states == STATES[name]
    assert tab.initial == INITIAL[name]
    assert tuple(declaration(name)["states"]) == STATES[name]
    assert new_model(name).state == INITIAL[name]


def test_table_is_cached_and_unknown_name_lists_valid_names():
    assert table("job") is table("job")
    with pytest.raises(ValueError, match="profile, sync, job, schedule, quarantine"):
        table("nope")
    with pytest.raises(ValueError, match="valid names"):
        declaration("nope")


def test_declaration_is_a_fresh_copy():
    spec = declaration("job")
    spec["states"].append("Bogus")
    assert "Bogus" not in declaration("job")["states"]


@pytest.mark.parametrize("name", MACHINES)
def test_every_state_reachable_from_initial(name):
    tab = table(name)
    seen = {tab.initial}
    queue = deque([tab.initial])
    while queue:
        state = queue.popleft()
        for trigger in tab.allowed(state):
            for dest in tab.dests(state, trigger):
                if dest in tab.states and dest not in seen:
                    seen.add(dest)
                    queue.append(dest)
    expected = {s for s in tab.states if (name, s) not in UNREACHABLE}
    assert seen == expected


def test_unknown_future_value_has_no_transitions():
    tab = table("sync")
    assert tab.allowed("unknownFutureValue") == ()
    assert all("unknownFutureValue" not in (t.source, t.dest) for t in tab.transitions)


@pytest.mark.parametrize(("name", "state", "trigger"), list(all_pairs()))
def test_undeclared_pairs_raise_and_declared_pairs_agree_with_transitions(name, state, trigger):
    tab = table(name)
    declared = [t.dest for t in tab.transitions if t.source == state and t.trigger == trigger]
    final = [t.dest for t in tab.final_transitions if t.source == state and t.trigger == trigger]
    if not declared and not final:
        with pytest.raises(InvalidTransition) as info:
            tab.next(state, trigger)
        assert (info.value.machine, info.value.state, info.value.trigger) == (name, state, trigger)
        with pytest.raises(InvalidTransition):
            tab.dests(state, trigger)
        assert trigger not in tab.allowed(state)
    else:
        assert tab.dests(state, trigger) == tuple(declared + final)
        assert trigger in tab.allowed(state)

    # The declared (transitions) path, on a fresh model for every candidate destination.
    for resume_to in declared or [None]:
        model = new_model(name)
        model.state = state
        model.paused_from = resume_to
        if not declared:
            with pytest.raises(InvalidTransition) as info:
                model.fire(trigger)
            assert (info.value.machine, info.value.state, info.value.trigger) == (
                name,
                state,
                trigger,
            )
            assert model.state == state
            if hasattr(model, trigger):  # a transitions trigger method, not only fire()
                with pytest.raises(InvalidTransition):
                    getattr(model, trigger)()
        else:
            assert model.fire(trigger) is True
            assert model.state == tab.next(state, trigger, resume_to=resume_to)


def test_final_transition_removes_profile():
    tab = table("profile")
    assert REMOVED == "deleted"
    assert tab.final_transitions == (Transition("deletion_succeeded", "deleting", REMOVED),)
    assert tab.next("deleting", "deletion_succeeded") == REMOVED
    assert REMOVED not in tab.states
    assert "deletion_succeeded" not in build_machine("profile").events


def test_resume_needs_a_valid_resume_to():
    tab = table("sync")
    assert tab.next("paused", "resume", resume_to="inProgress") == "inProgress"
    with pytest.raises(InvalidTransition):
        tab.next("paused", "resume")
    with pytest.raises(InvalidTransition):
        tab.next("paused", "resume", resume_to="unknownFutureValue")
    with pytest.raises(InvalidTransition):
        tab.next("paused", "start", resume_to="success")
    assert tab.next("paused", "start", resume_to="validating") == "validating"


def test_model_resume_without_paused_from_raises():
    model = new_model("sync")
    assert model.paused_from is None
    with pytest.raises(InvalidTransition, match="'resume'"):
        model.resume()
    assert model.state == "paused"


def test_model_records_paused_from():
    model = new_model("sync")
    model.start()
    model.validation_passed()
    model.extraction_completed()
    model.pause()
    assert (model.state, model.paused_from) == ("paused", "inProgress")
    model.resume()
    assert (model.state, model.paused_from) == ("inProgress", None)
    model.error_threshold_exceeded()
    model.reset()
    assert model.state == "validating"


def test_unknown_trigger_via_fire():
    model = new_model("job")
    with pytest.raises(InvalidTransition) as info:
        model.fire("explode")
    assert (info.value.machine, info.value.state, info.value.trigger) == (
        "job",
        "NotConfigured",
        "explode",
    )


def test_build_machine_over_own_model_is_a_transitions_machine():
    class Thing:
        paused_from = None

    thing = Thing()
    machine = build_machine("schedule", thing)
    # only sdssim.machines imports transitions; check the type by its module instead
    assert type(machine).__module__.startswith("transitions")
    assert machine.models == [thing]
    assert thing.state == "Disabled"
    thing.start()
    thing.disable()
    assert thing.state == "Disabled"
    with pytest.raises(InvalidTransition):
        thing.disable()
    assert not machine.auto_transitions
    assert set(machine.events) == set(table("schedule").triggers)


@pytest.mark.parametrize("name", MACHINES)
def test_to_dict_is_json_and_round_trips(name):
    tab = table(name)
    data = json.loads(json.dumps(tab.to_dict()))
    assert data["name"] == name
    assert data["states"] == list(tab.states)
    assert data["initial"] == tab.initial
    assert data["triggers"] == list(tab.triggers)
    rebuilt = TransitionTable(
        name=data["name"],
        states=tuple(data["states"]),
        initial=data["initial"],
        triggers=tuple(data["triggers"]),
        transitions=tuple(Transition(**t) for t in data["transitions"]),
        final_transitions=tuple(Transition(**t) for t in data["final_transitions"]),
    )
    assert rebuilt == tab


def test_table_derives_from_declaration():
    for name in MACHINES:
        spec = declaration(name)
        expected = set()
        for t in spec["transitions"]:
            sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
            expected |= {(t["trigger"], s, t["dest"]) for s in sources}
        got = {(t.trigger, t.source, t.dest) for t in table(name).transitions}
        assert got == expected
        assert len(table(name).transitions) == len(expected)


def test_quarantine_escalation_order():
    tab = table("quarantine")
    state = tab.initial
    order = [state]
    for _ in range(6):
        state = tab.next(state, "cycle_failed")
        order.append(state)
    assert order == ["healthy", "retry6h", "retry12h", "retry24h", "daily", "daily", "daily"]
    assert tab.next("daily", "series_expired") == "disabled"
    assert tab.allowed("disabled") == ("start", "restart_quarantine_state", "restart")
    # restart without QuarantineState resumes daily retries in the same series
    assert tab.next("disabled", "restart") == "daily"
    for state in ("healthy", "retry6h", "retry12h", "retry24h", "disabled"):
        with pytest.raises(InvalidTransition):
            tab.next(state, "series_expired")


@pytest.mark.parametrize("lift", ["retry_succeeded", "start", "restart_quarantine_state"])
def test_quarantine_is_lifted(lift):
    tab = table("quarantine")
    for state in ("retry6h", "retry12h", "retry24h", "daily"):
        assert tab.next(state, lift) == "healthy"
        model = new_model("quarantine")
        model.state = state
        model.fire(lift)
        assert model.state == "healthy"
    if lift == "retry_succeeded":
        with pytest.raises(InvalidTransition):
            tab.next("disabled", lift)
    else:
        assert tab.next("disabled", lift) == "healthy"
    with pytest.raises(InvalidTransition):
        tab.next("healthy", lift)


def test_job_restart_keeps_quarantine():
    tab = table("job")
    assert tab.next("Quarantine", "restart_quarantined") == "Quarantine"
    # a job paused or stopped while quarantined restarts into the quarantine it kept
    assert tab.next("Paused", "restart_quarantined") == "Quarantine"
    assert tab.next("NotRun", "restart_quarantined") == "Quarantine"
    with pytest.raises(InvalidTransition):
        tab.next("Quarantine", "restart")
    assert tab.next("Quarantine", "lift_quarantine") == "Active"
    assert tab.next("Quarantine", "start") == "Active"
