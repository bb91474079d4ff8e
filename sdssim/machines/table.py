"""Plain-data transition tables compiled from the declared transitions Machines.

The tables are read back from ``machine.events[trigger].transitions`` of a
Machine built from :mod:`.declarations`, so they derive from the declaration
rather than repeating it.  ``next`` is one dict lookup: the engine's hot path.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import attrs
from transitions import Machine

from ..errors import InvalidTransition
from .declarations import MACHINES, final_declaration
from .declared import declared_machine

__all__ = ["Transition", "TransitionTable", "table"]


@attrs.frozen
class Transition:
    trigger: str
    source: str
    dest: str


def _index(transitions: tuple[Transition, ...]) -> dict[tuple[str, str], tuple[str, ...]]:
    index: dict[tuple[str, str], list[str]] = {}
    for t in transitions:
        dests = index.setdefault((t.source, t.trigger), [])
        if t.dest not in dests:
            dests.append(t.dest)
    return {key: tuple(dests) for key, dests in index.items()}


@attrs.frozen
class TransitionTable:
    """One machine's states, triggers and transitions as immutable plain data.

    ``final_transitions`` leave the machine (their ``dest`` is a pseudo-state
    such as :data:`~sdssim.machines.REMOVED`); ``dests``/``next``/``allowed``
    include them.
    """

    name: str
    states: tuple[str, ...]
    initial: str
    triggers: tuple[str, ...]
    transitions: tuple[Transition, ...]
    final_transitions: tuple[Transition, ...] = ()
    _index: dict[tuple[str, str], tuple[str, ...]] = attrs.field(init=False, repr=False, eq=False)
    #: ``(state, trigger) -> destinations`` of the transitions within the machine (not the
    #: final ones), in declaration order: the table the engine fires through
    steps: dict[tuple[str, str], tuple[str, ...]] = attrs.field(init=False, repr=False, eq=False)
    _allowed: dict[str, tuple[str, ...]] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        index = _index(self.transitions + self.final_transitions)
        allowed: dict[str, list[str]] = {s: [] for s in self.states}
        for trigger in self.triggers:
            for state in self.states:
                if (state, trigger) in index:
                    allowed[state].append(trigger)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "steps", _index(self.transitions))
        object.__setattr__(self, "_allowed", {s: tuple(ts) for s, ts in allowed.items()})

    def dests(self, state: str, trigger: str) -> tuple[str, ...]:
        """Every declared destination of *trigger* from *state*, in declaration order."""
        try:
            return self._index[(state, trigger)]
        except KeyError:
            raise InvalidTransition(self.name, state, trigger) from None

    def next(self, state: str, trigger: str, *, resume_to: str | None = None) -> str:
        """The destination of *trigger* from *state*.

        For a trigger with several destinations (``sync.resume``) *resume_to*
        picks one and must be among them; if given for any trigger it must be
        a declared destination.
        """
        dests = self._index.get((state, trigger))
        if dests is None:
            raise InvalidTransition(self.name, state, trigger)
        if resume_to is None:
            if len(dests) == 1:
                return dests[0]
        elif resume_to in dests:
            return resume_to
        raise InvalidTransition(self.name, state, trigger)

    def allowed(self, state: str) -> tuple[str, ...]:
        """The triggers allowed in *state*, in trigger declaration order."""
        return self._allowed.get(state, ())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""

        def rows(ts: tuple[Transition, ...]) -> list[dict[str, str]]:
            return [{"trigger": t.trigger, "source": t.source, "dest": t.dest} for t in ts]

        return {
            "name": self.name,
            "states": list(self.states),
            "initial": self.initial,
            "triggers": list(self.triggers),
            "transitions": rows(self.transitions),
            "final_transitions": rows(self.final_transitions),
        }


def _dest(dest: str | None, source: str) -> str:
    """A transition's target; ``transitions`` leaves it ``None`` for an internal one."""
    return source if dest is None else dest


def _initial(name: str, initial: str | None) -> str:
    if initial is None:
        raise ValueError(f"machine {name!r} declares no initial state")
    return initial


def compile_machine(name: str, machine: Machine) -> TransitionTable:
    """Read a built Machine's events back into a :class:`TransitionTable`."""
    transitions: list[Transition] = []
    for trigger, event in machine.events.items():
        for source, declared in event.transitions.items():
            for t in declared:
                transitions.append(Transition(trigger, source, _dest(t.dest, source)))
    finals = tuple(
        Transition(f["trigger"], f["source"], f["dest"]) for f in final_declaration(name)
    )
    triggers = list(machine.events)
    triggers += [f.trigger for f in finals if f.trigger not in triggers]
    return TransitionTable(
        name=name,
        states=tuple(machine.states),
        initial=_initial(name, machine.initial),
        triggers=tuple(triggers),
        transitions=tuple(transitions),
        final_transitions=finals,
    )


@cache
def table(name: str) -> TransitionTable:
    """The (cached) compiled table of machine *name*."""
    if name not in MACHINES:
        raise ValueError(f"unknown machine {name!r}; valid names: {', '.join(MACHINES)}")
    return compile_machine(name, declared_machine(name, None))
