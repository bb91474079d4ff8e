"""Real :mod:`transitions` machines built from the declarations (the slow, declared path).

The engine does not use these; it uses the compiled tables of :mod:`.table`.
Docs and tests use them to show and prove the declared behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from transitions import Machine, MachineError

from ..errors import InvalidTransition
from .declarations import PAUSED_FROM_PREFIX, declaration

__all__ = ["MachineModel", "build_machine", "new_model", "declared_machine"]


class MachineModel:
    """A plain model object driven by one transitions Machine.

    ``state`` is the current state; ``paused_from`` is the status a paused sync
    resumes to (the ``paused_from_<status>`` predicates guard ``sync.resume``).
    The machine records ``paused_from`` on ``pause`` and clears it once the
    model leaves the paused state.
    """

    def __init__(self, name: str) -> None:
        self.machine_name = name
        self.state: str = declaration(name)["initial"]
        self.paused_from: str | None = None
        self.machine: Machine | None = None

    def fire(self, trigger: str, **kwargs: Any) -> bool:
        """Fire *trigger* by name; an unknown or disallowed trigger raises InvalidTransition."""
        if self.machine is None or trigger not in self.machine.events:
            raise InvalidTransition(self.machine_name, self.state, trigger)
        return bool(getattr(self, trigger)(**kwargs))

    def __repr__(self) -> str:
        return f"MachineModel({self.machine_name!r}, state={self.state!r})"


def _paused_from_predicate(status: str) -> Callable[..., bool]:
    def predicate(self: MachineModel, *args: Any, **kwargs: Any) -> bool:
        return self.paused_from == status

    predicate.__name__ = PAUSED_FROM_PREFIX + status
    return predicate


for _status in declaration("sync")["states"]:
    setattr(MachineModel, PAUSED_FROM_PREFIX + _status, _paused_from_predicate(_status))
del _status


def _guarded_trigger(machine: Machine, name: str, model: Any, trigger: str, **kwargs: Any) -> bool:
    """Fire *trigger* on *model*, turning every refusal into InvalidTransition."""
    source = model.state
    try:
        done = machine.events[trigger].trigger(model, **kwargs)
    except MachineError:
        raise InvalidTransition(name, source, trigger) from None
    if not done:  # every candidate transition's condition failed
        raise InvalidTransition(name, source, trigger)
    if hasattr(model, "paused_from"):
        if trigger == "pause" and model.state == "paused":
            model.paused_from = source
        elif model.state != "paused":
            model.paused_from = None
    return True


def declared_machine(name: str, model: Any) -> Machine:
    """The bare transitions Machine of :func:`declaration` *name* over *model* (``None``: none).

    No auto transitions, invalid triggers raise, no event data: the one way sdssim builds a
    Machine, both for :func:`build_machine` and for the compiled tables of :mod:`.table`.
    """
    spec = declaration(name)
    return Machine(
        model=model,
        states=spec["states"],
        initial=spec["initial"],
        transitions=spec["transitions"],
        auto_transitions=False,
        ignore_invalid_triggers=False,
        send_event=False,
        name=name,
    )


def build_machine(name: str, model: Any = None) -> Machine:
    """A transitions Machine for *name* built from :func:`declaration` over *model*.

    With ``model=None`` a fresh :class:`MachineModel` is created.  The model's
    trigger methods raise :class:`~sdssim.errors.InvalidTransition` on refusal.
    """
    if model is None:
        model = MachineModel(name)
    machine = declared_machine(name, model)
    for trigger in machine.events:
        setattr(model, trigger, partial(_guarded_trigger, machine, name, model, trigger))
    if isinstance(model, MachineModel):
        model.machine = machine
    return machine


def new_model(name: str) -> MachineModel:
    """A fresh :class:`MachineModel` in *name*'s initial state, bound to its own Machine."""
    model = MachineModel(name)
    build_machine(name, model)
    return model
