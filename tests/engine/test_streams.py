"""A job's counter-based random stream: the paired draw is the same as two single draws."""

from hypothesis import given
from hypothesis import strategies as st

from sdssim.engine.jobs.streams import draw, draw_pair, stream_seed


@given(seed=st.integers(0, 2**64 - 1), num=st.integers(1, 2**32), cycle=st.integers(0, 2**40))
def test_draw_pair_is_draws_0_and_1(seed: int, num: int, cycle: int) -> None:
    base = stream_seed(seed, num)
    assert draw_pair(base, cycle) == (draw(base, cycle, 0), draw(base, cycle, 1))


@given(cycle=st.integers(0, 2**20))
def test_draw_pair_wraps_at_64_bits_like_draw(cycle: int) -> None:
    # bases next to 2**64: the +1 of slot 1 wraps the same way in both
    for base in (2**64 - 1 - 2 * cycle, 2**64 - 2 - 2 * cycle, 2**64 - 1):
        assert draw_pair(base, cycle) == (draw(base, cycle, 0), draw(base, cycle, 1))


def test_draws_are_uniform_enough() -> None:
    pairs = [draw_pair(stream_seed(7, 1), k) for k in range(4000)]
    for slot in (0, 1):
        values = [p[slot] for p in pairs]
        assert all(0.0 <= v < 1.0 for v in values)
        assert 0.45 < sum(values) / len(values) < 0.55
