"""Every timing and threshold of the simulation, with the documented defaults.

Durations accept anything :func:`sdssim.clock.parse_duration` does.  Values
marked *(choice)* are sdssim's decisions where the documentation is silent;
``docs/behaviour.md`` explains each.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from ..clock import HORIZON_US, format_duration, parse_duration
from ..errors import BadRequest

__all__ = ["SimConfig"]

_MAX = _dt.timedelta(microseconds=HORIZON_US)
_MINUTE = _dt.timedelta(minutes=1)

_V = TypeVar("_V")
#: An attrs validator of values of type ``_V``: ``(instance, attribute, value)``, raising
#: BadRequest when the value is refused.
_Validator = Callable[[Any, "attrs.Attribute[Any]", _V], None]


def _dur(value: object) -> _dt.timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise BadRequest(f"invalid duration: {exc}") from None


def _durs(values: object) -> tuple[_dt.timedelta, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise BadRequest(f"expected a list of durations, got {values!r}")
    return tuple(_dur(v) for v in values)


def _within(lo: _dt.timedelta) -> _Validator[_dt.timedelta]:
    """Validator: a duration between ``lo`` and the horizon (100 years)."""

    def check(_inst: Any, attribute: attrs.Attribute[Any], value: _dt.timedelta) -> None:
        if not lo <= value <= _MAX:
            raise BadRequest(f"config {attribute.name} must be between {format_duration(lo)} "
                             f"and 100 years, not {format_duration(value)}")

    return check


def _each_within(lo: _dt.timedelta) -> _Validator[tuple[_dt.timedelta, ...]]:
    def check(_inst: Any, attribute: attrs.Attribute[Any],
              value: tuple[_dt.timedelta, ...]) -> None:
        if not value:
            raise BadRequest(f"config {attribute.name} needs at least one duration")
        for v in value:
            _within(lo)(_inst, attribute, v)

    return check


def _number(lo: float, hi: float, *, integer: bool = False) -> _Validator[object]:
    """Validator: a finite number (an integer when asked) in ``[lo, hi]``; booleans refused."""

    def check(_inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise BadRequest(f"config {attribute.name} must be "
                             f"{'a whole number' if integer else 'a number'}, not {value!r}")
        if not (math.isfinite(value) and lo <= value <= hi):
            raise BadRequest(f"config {attribute.name} must be between {lo:g} and {hi:g}, "
                             f"not {value!r}")

    return check


def _range(lo: float, hi: float) -> _Validator[object]:
    """Validator: a ``(low, high)`` pair of finite numbers with ``lo <= low <= high <= hi``."""

    def check(_inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, tuple) and len(value) == 2):
            raise BadRequest(f"config {attribute.name} must be a pair (low, high), not {value!r}")
        for v in value:
            _number(lo, hi)(_inst, attribute, v)
        if value[0] > value[1]:
            raise BadRequest(f"config {attribute.name}: low {value[0]} is above high {value[1]}")

    return check


def _flag(_inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise BadRequest(f"config {attribute.name} must be true or false, not {value!r}")


def _pair(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def _objects(value: object) -> tuple[tuple[str, int], ...]:
    items = value.items() if isinstance(value, dict) else value
    try:
        out = tuple((k, n) for k, n in items)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise BadRequest(f"config default_objects must map object types to counts, not {value!r}")\
            from None
    for k, n in out:
        if not isinstance(k, str) or isinstance(n, bool) or not isinstance(n, int) \
                or not 0 <= n <= MAX_OBJECTS:
            raise BadRequest(f"config default_objects: {k!r}: {n!r} is not a count from 0 to "
                             f"{MAX_OBJECTS:,}")
    return out


#: The most objects one job may hold (sdssim's bound: an initial cycle stays under ~8 years).
MAX_OBJECTS = 50_000_000
#: The longest a single cycle may last, whatever faults slow it (sdssim's bound).
MAX_CYCLE_US = HORIZON_US


@attrs.frozen(kw_only=True)
class SimConfig:
    # --- profiles -----------------------------------------------------------
    provisioning_delay: _dt.timedelta = attrs.field(default=_dur("PT5M"), converter=_dur, validator=_within(_dt.timedelta(0)))  # (choice)
    deletion_delay: _dt.timedelta = attrs.field(default=_dur("PT2M"), converter=_dur, validator=_within(_dt.timedelta(0)))  # (choice)
    upload_url_validity: _dt.timedelta = attrs.field(default=_dur("PT1H"), converter=_dur, validator=_within(_dt.timedelta(0)))  # documented
    upload_processing: _dt.timedelta = attrs.field(default=_dur("PT5M"), converter=_dur, validator=_within(_dt.timedelta(0)))  # (choice)
    validation_base: _dt.timedelta = attrs.field(default=_dur("PT2M"), converter=_dur, validator=_within(_dt.timedelta(0)))  # (choice)
    extraction_base: _dt.timedelta = attrs.field(default=_dur("PT3M"), converter=_dur, validator=_within(_dt.timedelta(0)))  # (choice)
    sync_base: _dt.timedelta = attrs.field(default=_dur("PT5M"), converter=_dur, validator=_within(_dt.timedelta(0)))  # (choice)
    sync_per_entry: _dt.timedelta = attrs.field(default=_dur("PT0.05S"), converter=_dur, validator=_within(_dt.timedelta(0)))  # (choice)
    api_sync_interval: _dt.timedelta = attrs.field(default=_dur("P1D"), converter=_dur, validator=_within(_MINUTE))  # (choice)
    api_entry_count: int = attrs.field(default=1000, validator=_number(0, MAX_OBJECTS, integer=True))  # (choice) entries an API-provider profile syncs
    status_lag: _dt.timedelta = attrs.field(default=_dur("PT0S"), converter=_dur, validator=_within(_dt.timedelta(0)))  # (choice)
    max_rows_per_file: int = attrs.field(default=500_000, validator=_number(1, MAX_OBJECTS, integer=True))  # documented
    # --- jobs ---------------------------------------------------------------
    cycle_interval: _dt.timedelta = attrs.field(default=_dur("PT40M"), converter=_dur, validator=_within(_MINUTE))  # documented
    initial_minutes_per_object: tuple[float, float] = attrs.field(default=(0.01, 0.08), converter=_pair, validator=_range(0, 60))  # documented range
    incremental_minutes: tuple[float, float] = attrs.field(default=(10.0, 30.0), converter=_pair, validator=_range(0, 525_960))  # documented range
    incremental_change_rate: float = attrs.field(default=0.01, validator=_number(0, 1))  # (choice) share of objects changing per cycle
    default_objects: tuple[tuple[str, int], ...] = attrs.field(default=(("User", 1000), ("Group", 50)), converter=_objects)  # (choice)
    # --- quarantine ---------------------------------------------------------
    quarantine_retries: tuple[_dt.timedelta, ...] = attrs.field(
        default=_durs(("PT6H", "PT12H", "PT24H")), converter=_durs, validator=_each_within(_MINUTE)
    )  # documented default: offsets after the first failure
    quarantine_retry_every: _dt.timedelta = attrs.field(default=_dur("PT24H"), converter=_dur, validator=_within(_MINUTE))
    quarantine_disable_after: _dt.timedelta = attrs.field(default=_dur("P28D"), converter=_dur, validator=_within(_MINUTE))
    escrow_min_failures: int = attrs.field(default=5_000, validator=_number(0, MAX_OBJECTS, integer=True))  # documented
    escrow_proportion: float = attrs.field(default=0.40, validator=_number(0, 1))  # documented
    escrow_total: int = attrs.field(default=40_000, validator=_number(0, MAX_OBJECTS, integer=True))  # documented
    escrow_cap: int = attrs.field(default=60_000, validator=_number(1, MAX_OBJECTS, integer=True))  # documented
    #: provisionOnDemand: at most this many requests per window (documented: 5 per 10 s)
    provision_on_demand_requests: int = attrs.field(default=5, validator=_number(1, 1_000_000, integer=True))
    provision_on_demand_window: _dt.timedelta = attrs.field(default=_dur("PT10S"), converter=_dur, validator=_within(_dt.timedelta(seconds=1)))
    too_many_deletes_threshold: int = attrs.field(default=500, validator=_number(0, MAX_OBJECTS, integer=True))  # documented example; job setting overrides
    # --- engine -------------------------------------------------------------
    #: skip steady-state cycles and compute them when observed (outputs are identical)
    lazy_steady_state: bool = attrs.field(default=True, validator=_flag)

    # --- compiled once --------------------------------------------------------
    def us(self, name: str) -> int:
        """The duration field ``name`` as integer microseconds (computed once per config:
        the engine's hot paths never re-parse durations)."""
        return self._micros[name]

    def us_each(self, name: str) -> tuple[int, ...]:
        """The tuple-of-durations field ``name`` as integer microseconds."""
        return self._micros_each[name]

    @functools.cached_property
    def _micros(self) -> dict[str, int]:
        """The duration fields, as integer microseconds."""
        out: dict[str, int] = {}
        for field in attrs.fields(SimConfig):
            value = getattr(self, field.name)
            if isinstance(value, _dt.timedelta):
                out[field.name] = _micros(value)
        return out

    @functools.cached_property
    def _micros_each(self) -> dict[str, tuple[int, ...]]:
        """The tuple-of-durations fields, as integer microseconds."""
        out: dict[str, tuple[int, ...]] = {}
        for field in attrs.fields(SimConfig):
            value = getattr(self, field.name)
            if isinstance(value, tuple) and value and isinstance(value[0], _dt.timedelta):
                out[field.name] = tuple(_micros(v) for v in value)
        return out


def _micros(value: _dt.timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
