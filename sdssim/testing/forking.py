"""Fork simulations: one expensive set-up, an independent copy per test, and a continuation check.

:class:`SimulationTemplate` runs a set-up once (lazily) and keeps its
checkpoint; :meth:`~SimulationTemplate.fork` restores a fresh, independent
copy each time.  :func:`fork_fixture` makes that a pytest fixture::

    from sdssim.engine.subjects import job_subject
    from sdssim.testing import fork_fixture

    @fork_fixture
    def quarantined_a_month():
        sim = Simulation(seed=4)
        job = sim.create_job("sp-1", {"templateId": "scim"})
        sim.start_job("sp-1", job.id)
        sim.add_fault("credential_failure", duration="P40D", target=job_subject(job.id))
        sim.advance("P30D")          # costly: done once per test session
        return sim

    def test_my_client_sees_the_quarantine(quarantined_a_month):
        ...                          # a copy at day 30: change it freely

:func:`assert_same_future` is the check behind the stateful rule in
:class:`~sdssim.testing.stateful.CheckpointedSimulationMachine`: a restored
copy and the original, given the same future, make the same records.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sdssim.engine import Simulation

__all__ = ["SimulationTemplate", "assert_same_future", "fork_fixture", "state_of"]


class SimulationTemplate:
    """A set-up run once; :meth:`fork` gives a new independent copy of its result each call."""

    def __init__(self, setup: Callable[[], Simulation]) -> None:
        self._setup = setup
        self._data: bytes | None = None
        self.setups = 0

    def fork(self) -> Simulation:
        if self._data is None:
            sim = self._setup()
            if not isinstance(sim, Simulation):
                raise TypeError(f"the set-up must return a Simulation, not {type(sim).__name__}")
            self.setups += 1
            self._data = sim.checkpoint()
        return Simulation.restore(self._data)


def fork_fixture(setup: Callable[[], Simulation] | None = None, *, name: str | None = None
                 ) -> Any:
    """A pytest fixture (named like ``setup``) giving each test a fork of ``setup()``'s result."""
    import pytest

    def make(fn: Callable[[], Simulation]) -> Any:
        template = SimulationTemplate(fn)

        @functools.wraps(fn)
        def fixture() -> Simulation:
            return template.fork()

        fixture.template = template  # type: ignore[attr-defined]
        return pytest.fixture(name=name or fn.__name__)(fixture)

    return make if setup is None else make(setup)


def state_of(sim: Simulation) -> tuple:
    """Everything observable that must match between a simulation and its restored copy."""
    return ([r.to_json() for r in sim.records()], list(sim.call_log),
            [f.to_json() for f in sim.faults], sim.now, sim.events_processed,
            sim.next_event_time(), sim._core.rng.getstate())


def assert_same_future(sim: Simulation, duration: object,
                       act: Callable[[Simulation], Any] | None = None) -> Simulation:
    """Checkpoint ``sim``, restore a copy, run both ``duration`` (after ``act``); compare.

    Returns the copy.  Raises ``AssertionError`` naming the first record that differs.
    """
    copy = Simulation.restore(sim.checkpoint())
    if state_of(copy) != state_of(sim):
        raise AssertionError("the restored copy differs from the original before any step")
    for s in (sim, copy):
        if act is not None:
            act(s)
        s.advance(duration)
    a, b = state_of(sim), state_of(copy)
    if a != b:
        for i, (x, y) in enumerate(zip(a[0], b[0], strict=False)):
            if x != y:
                raise AssertionError(f"record {i + 1} differs after restore: {x} != {y}")
        raise AssertionError("the restored copy evolved differently from the original")
    return copy
