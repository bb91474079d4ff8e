"""The engine fires through the machines' own compiled tables, equal to the declarations."""

from sdssim import Simulation
from sdssim.machines import MACHINES, table


def test_the_engine_reads_the_declared_tables():
    core = Simulation(seed=1)._core
    assert set(core._next) == set(MACHINES)
    for name in MACHINES:
        declared = table(name)
        assert core._next[name] is declared.steps  # not a copy the engine compiled itself
        expected: dict[tuple[str, str], list[str]] = {}
        for tr in declared.transitions:
            dests = expected.setdefault((tr.source, tr.trigger), [])
            if tr.dest not in dests:
                dests.append(tr.dest)
        assert declared.steps == {k: tuple(v) for k, v in expected.items()}
        for tr in declared.final_transitions:  # leaving the machine is not a step
            assert tr.dest not in declared.steps.get((tr.source, tr.trigger), ())
