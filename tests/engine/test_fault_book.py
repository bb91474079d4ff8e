"""The fault book's cached lookups answer as a plain scan would, whatever is added when."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sdssim.engine.faults import FaultBook

SUBJECTS = ("job/a", "job/b")
KINDS = ("throttling", "credential_failure", "mass_deletes")


def _scan(book: FaultBook, subject: str, t: int) -> tuple[int, ...]:
    return tuple(f.id for f in book.faults
                 if f.target in (None, subject) and f.start_us <= t
                 and (f.end_us is None or t < f.end_us))


def test_a_fault_added_after_a_cached_answer_is_seen() -> None:
    book = FaultBook()
    assert book.active_at("job/a", 10) == ()
    book.add("throttling", 0, 100, "job/b", {})
    assert book.active_at("job/a", 10) == ()       # cached "nothing", another subject's fault
    mine = book.add("throttling", 5, 100, "job/a", {})
    assert book.active_at("job/a", 10) == (mine,)  # the cached answer was dropped
    everyone = book.add("credential_failure", 0, 50, None, {})
    assert book.active_at("job/a", 10) == (mine, everyone)
    assert book.active_at("job/a", 60) == (mine,)
    assert not book.one_shot
    book.add("mass_deletes", 0, None, "job/a", {})
    assert book.one_shot


@settings(max_examples=200)
@given(st.lists(st.one_of(
    st.tuples(st.just("add"), st.sampled_from(KINDS), st.integers(0, 50), st.integers(1, 30),
              st.sampled_from((*SUBJECTS, None))),
    st.tuples(st.just("ask"), st.sampled_from(SUBJECTS), st.integers(0, 5))), max_size=40))
def test_active_at_matches_a_scan(steps: list[tuple]) -> None:
    book = FaultBook()
    t = 0
    for step in steps:
        if step[0] == "add":
            _, kind, start, length, target = step
            book.add(kind, t + start, t + start + length, target, {})
        else:
            _, subject, dt = step
            t += dt  # time only moves forward, as in a run
            assert tuple(f.id for f in book.active_at(subject, t)) == _scan(book, subject, t)
            assert [f.id for f in book.reaching(subject)] == \
                [f.id for f in book.faults if f.target in (None, subject)]
