"""Each job's own counter-based random stream (splitmix64): draw ``k`` needs no draws before it.

That is what lets a steady job skip its cycles and compute any of them later.
"""

from __future__ import annotations

__all__ = ["stream_seed", "draw", "draw_pair"]

_M64 = (1 << 64) - 1
_INV64 = 1.0 / (1 << 64)

def _mix(x: int) -> int:
    """splitmix64: a counter-based generator, so draw ``k`` needs no draws before it."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def stream_seed(seed: int, num: int) -> int:
    """The base of job ``num``'s random stream in a simulation seeded with ``seed``."""
    return _mix((seed & _M64) * 0x100000001B3 + num)


def draw(base: int, cycle: int, slot: int) -> float:
    """Uniform [0, 1) draw ``slot`` of cycle ``cycle`` of the stream ``base``."""
    return _mix(base + cycle * 2 + slot) * _INV64


def draw_pair(base: int, cycle: int) -> tuple[float, float]:
    """Draws 0 and 1 of cycle ``cycle`` of the stream ``base``: ``(draw(base, cycle, 0),
    draw(base, cycle, 1))``, in one call (every incremental cycle takes both)."""
    x = (base + cycle * 2 + 0x9E3779B97F4A7C15) & _M64
    y = (x + 1) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    y = ((y ^ (y >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    y = ((y ^ (y >> 27)) * 0x94D049BB133111EB) & _M64
    return (x ^ (x >> 31)) * _INV64, (y ^ (y >> 31)) * _INV64
