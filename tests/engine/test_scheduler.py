from hypothesis import given
from hypothesis import strategies as st

from sdssim.engine import Scheduler


def test_events_run_in_time_then_priority_then_insertion_order():
    s = Scheduler(0)
    seen = []
    s.at(10, seen.append, "late")
    s.at(5, seen.append, "b", priority=1)
    s.at(5, seen.append, "a", priority=0)
    s.at(5, seen.append, "c", priority=1)
    s.run_until(100)
    assert seen == ["a", "b", "c", "late"]
    assert s.now == 100


def test_run_until_stops_at_the_boundary_inclusive():
    s = Scheduler(0)
    seen = []
    s.at(10, seen.append, 10)
    s.at(11, seen.append, 11)
    s.run_until(10)
    assert seen == [10] and s.now == 10 and s.peek() == 11


def test_step_returns_false_when_empty_and_never_moves_backwards():
    s = Scheduler(50)
    assert s.step() is False
    s.at(20, lambda _: None)  # in the past: runs at now
    assert s.peek() == 50
    assert s.step() is True and s.now == 50


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 2)), max_size=60))
def test_any_schedule_runs_sorted_and_stably(items):
    s = Scheduler(0)
    order = []
    for i, (t, prio) in enumerate(items):
        s.at(t, order.append, (t, prio, i), priority=prio)
    s.run_until(10_000)
    assert order == sorted(order)
    assert s.processed == len(items)
