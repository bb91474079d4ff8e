"""One colour scheme for every picture: a hue per state family, Okabe-Ito based.

Families group the states of all five machines by what they mean to a reader:
``running`` (healthy, doing its job), ``working`` (a cycle or provisioning in
progress), ``waiting`` (paused by someone), ``idle`` (not started yet),
``failing`` (quarantine, errors, the retry escalation) and ``disabled``
(switched off: a schedule that does not run, a quarantine that gave up).
Each family has its own hue from the Okabe-Ito palette, chosen to stay apart
for protanopia, deuteranopia and tritanopia (tests/machines/test_palette.py
checks the simulated distances).  Inside ``failing`` the retry escalation
darkens step by step (``retry6h`` light to ``daily`` dark), same hue.
"""

from __future__ import annotations

__all__ = ["FAMILY_COLORS", "STATE_FAMILY", "STATE_COLORS", "family", "state_color",
           "text_color"]

#: family -> (fill, readable text colour on it)
FAMILY_COLORS: dict[str, str] = {
    "running": "#009e73",   # bluish green
    "working": "#88ccee",   # light cyan (Paul Tol; Okabe-Ito sky blue is too near the
    #                         green for tritanopia)
    "waiting": "#f0e442",   # yellow
    "idle": "#bbbbbb",      # grey
    "failing": "#d55e00",   # vermillion
    "disabled": "#333333",  # near black
}

STATE_FAMILY: dict[str, str] = {
    **dict.fromkeys(("Active", "healthy", "success", "provisioned"), "running"),
    **dict.fromkeys(("provisioning", "validating", "extracting", "inProgress", "deleting"),
                    "working"),
    **dict.fromkeys(("paused", "Paused"), "waiting"),
    **dict.fromkeys(("NotRun", "NotConfigured", "unknownFutureValue"), "idle"),
    **dict.fromkeys(("Quarantine", "quarantined", "error", "validationError",
                     "provisioningFailed", "deletionFailed", "retry6h", "retry12h",
                     "retry24h", "daily"), "failing"),
    **dict.fromkeys(("Disabled", "disabled", "deleted"), "disabled"),
}

#: states whose colour differs from their family's: the escalation steps, lighter to darker
_SHADES: dict[str, str] = {
    "retry6h": "#f5c4a3", "retry12h": "#ee9a66", "retry24h": "#e2742e", "daily": "#a84400",
    "validationError": "#eba47e",
}

#: state name -> fill colour, for every declared state
STATE_COLORS: dict[str, str] = {s: _SHADES.get(s, FAMILY_COLORS[f])
                                for s, f in STATE_FAMILY.items()}


def family(state: str) -> str:
    """The family of ``state`` (``idle`` for a name no machine declares)."""
    return STATE_FAMILY.get(state, "idle")


def state_color(state: str) -> str:
    """The fill colour of ``state``."""
    return STATE_COLORS.get(state, FAMILY_COLORS["idle"])


def text_color(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (``#RRGGBB``)."""
    r, g, b = (int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "#ffffff"
