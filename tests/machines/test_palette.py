"""The state colours: one hue per family, every declared state covered, colour-blind safe."""

from __future__ import annotations

import itertools
import math

import pytest

from sdssim.machines import MACHINES, table
from sdssim.machines.palette import (
    FAMILY_COLORS,
    STATE_COLORS,
    STATE_FAMILY,
    family,
    state_color,
    text_color,
)

# Machado, Oliveira & Fernandes (2009) simulation matrices at full severity, on linear RGB
_CVD = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}


def _linear(hex_colour: str) -> tuple[float, ...]:
    out = []
    for i in (1, 3, 5):
        c = int(hex_colour[i:i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return tuple(out)


def _lab(rgb: tuple[float, ...]) -> tuple[float, float, float]:
    r, g, b = (min(max(c, 0.0), 1.0) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _seen(hex_colour: str, vision: str | None) -> tuple[float, float, float]:
    rgb = _linear(hex_colour)
    if vision is not None:
        m = _CVD[vision]
        rgb = tuple(sum(m[i][j] * rgb[j] for j in range(3)) for i in range(3))
    return _lab(rgb)


def test_every_declared_state_has_a_family():
    for machine in MACHINES:
        for state in table(machine).states:
            assert state in STATE_FAMILY, f"{machine}.{state} has no family"
            assert state_color(state) == STATE_COLORS[state]


def test_families_have_the_expected_members():
    assert {family(s) for s in ("Active", "healthy", "success", "provisioned")} == {"running"}
    assert {family(s) for s in ("Quarantine", "retry6h", "daily", "error")} == {"failing"}
    assert {family(s) for s in ("Paused", "paused")} == {"waiting"}
    assert {family(s) for s in ("Disabled", "disabled")} == {"disabled"}
    assert family("someFutureState") == "idle"


@pytest.mark.parametrize("vision", [None, *_CVD])
def test_family_colours_stay_apart(vision):
    """Every pair of family colours differs by at least 20 CIELAB units (Delta E 1976),
    for normal vision and simulated protanopia, deuteranopia and tritanopia."""
    for (fa, a), (fb, b) in itertools.combinations(FAMILY_COLORS.items(), 2):
        distance = math.dist(_seen(a, vision), _seen(b, vision))
        assert distance >= 20, f"{fa} vs {fb} under {vision or 'normal vision'}: {distance:.1f}"


def test_the_old_near_identical_oranges_are_gone():
    """Quarantine, retry24h and daily were three near-identical oranges; now one hue whose
    lightness steps apart (retry6h light to daily dark)."""
    lightness = [_seen(state_color(s), None)[0] for s in ("retry6h", "retry12h", "retry24h",
                                                            "daily")]
    assert lightness == sorted(lightness, reverse=True)
    assert all(a - b >= 8 for a, b in itertools.pairwise(lightness))
    assert state_color("Active") != state_color("Paused")


def test_text_colour_reads_on_every_fill():
    assert text_color(FAMILY_COLORS["disabled"]) == "#ffffff"
    assert text_color(FAMILY_COLORS["waiting"]) == "#000000"
