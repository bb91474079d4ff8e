"""Scenario times: absolute timestamps, or ``+duration`` after an earlier time."""

from __future__ import annotations

from typing import Any

import pendulum

from sdssim.clock import DEFAULT_START, US_PER_S, parse_duration, parse_timestamp, to_us

from .limits import MAX_HORIZON_DAYS

__all__ = ["parse_time", "parse_start", "check_horizon"]


def check_horizon(when: pendulum.DateTime, start: pendulum.DateTime) -> None:
    """``ValueError`` when ``when`` is more than ``MAX_HORIZON_DAYS`` after ``start``."""
    if to_us(when) - to_us(start) > MAX_HORIZON_DAYS * 86400 * US_PER_S:
        raise ValueError(f"is more than {MAX_HORIZON_DAYS:,} days after the scenario start "
                         f"(limit MAX_HORIZON_DAYS = {MAX_HORIZON_DAYS:,})")


def parse_time(text: Any, base: pendulum.DateTime) -> pendulum.DateTime:
    """An absolute timestamp, or ``+duration`` added to ``base``.  ``ValueError`` otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"expected a time such as '+40m' or '{DEFAULT_START}'")
    value = text.strip()
    if value.startswith("+"):
        try:
            return base + parse_duration(value[1:].strip())
        except OverflowError:
            raise ValueError(f"{text!r} is past the last time a scenario can name "
                             "(year 9999)") from None
        except ValueError:
            raise ValueError(
                f"{text!r} is not a relative time ('+' and a duration: +40m, +6h, +P1D, +PT40M)"
            ) from None
    try:
        return parse_timestamp(value)
    except (ValueError, OverflowError):
        raise ValueError(
            f"{text!r} is not a time (an ISO 8601 timestamp such as {DEFAULT_START}, "
            "or '+' and a duration such as +40m)"
        ) from None


def parse_start(text: Any) -> pendulum.DateTime:
    """A scenario's ``start``: an absolute time only.  ``ValueError`` otherwise."""
    if str(text).strip().startswith("+"):
        raise ValueError("the start time must be absolute, e.g. " + DEFAULT_START)
    return parse_time(text, parse_timestamp(DEFAULT_START))
