"""Random trigger sequences: declared model and compiled table never disagree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sdssim.errors import InvalidTransition
from sdssim.machines import MACHINES, new_model, table

ALL_TRIGGERS = sorted({t for name in MACHINES for t in table(name).triggers} | {"bogus"})


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(MACHINES),
    triggers=st.lists(st.sampled_from(ALL_TRIGGERS), max_size=40),
)
def test_random_sequences_agree(name, triggers):
    tab = table(name)
    model = new_model(name)
    state, paused_from = tab.initial, None  # the table-side walk, as the engine keeps it
    for trigger in triggers:
        # final transitions (to REMOVED) are not part of the transitions Machine
        allowed = trigger in tab.allowed(state) and not any(
            f.source == state and f.trigger == trigger for f in tab.final_transitions
        )
        resume_to = paused_from if len(tab.dests(state, trigger) if allowed else ()) > 1 else None
        try:
            expected = tab.next(state, trigger, resume_to=resume_to) if allowed else None
        except InvalidTransition:
            expected = None
        if expected is None:
            try:
                model.fire(trigger)
            except InvalidTransition as exc:
                assert (exc.machine, exc.state, exc.trigger) == (name, state, trigger)
            else:
                raise AssertionError(f"{name}: {trigger} from {state} should be refused")
            assert model.state == state
        else:
            model.fire(trigger)
            assert model.state == expected
            if trigger == "pause" and expected == "paused" and name == "sync":
                paused_from = state
            elif expected != "paused":
                paused_from = None
            state = expected
        assert model.state in tab.states
        assert model.paused_from == paused_from
