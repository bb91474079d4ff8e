"""Virtual time: timestamps, ISO 8601 durations and the engine's integer clock.

The engine counts time as integer microseconds since the Unix epoch (fast,
exact, hashable).  At its edges time is a UTC ``pendulum.DateTime`` and a
duration a ``pendulum.Duration``; on the wire both are ISO 8601 strings,
timestamps ending in ``Z``.  Nothing here reads the wall clock.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re

import pendulum

__all__ = [
    "NEVER",
    "NEVER_TEXT",
    "NEVER_INTERVAL",
    "NEVER_INTERVAL_TEXT",
    "US_PER_S",
    "parse_timestamp",
    "format_us",
    "format_timestamp",
    "parse_duration",
    "format_duration",
    "to_us",
    "from_us",
    "duration_us",
    "timestamp_us",
    "DEFAULT_START",
    "MAX_US",
    "HORIZON_US",
]

UTC = pendulum.UTC
US_PER_S = 1_000_000

#: Graph's "never" timestamp (DateTimeOffset.MinValue).
NEVER = pendulum.datetime(1, 1, 1, tz=UTC)
NEVER_TEXT = "0001-01-01T00:00:00Z"
#: Graph's "never" interval (TimeSpan.MaxValue), truncated to microseconds.
NEVER_INTERVAL = pendulum.duration(days=10675199, hours=2, minutes=48, seconds=5, microseconds=477580)
NEVER_INTERVAL_TEXT = "P10675199DT2H48M5.4775807S"

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

#: Where a simulation or scenario that names no start begins (the one declaration of it).
DEFAULT_START = "2026-09-01T08:00:00Z"
#: The last representable instant, 9999-12-31T23:59:59.999999Z, in engine time.
MAX_US = ((_dt.datetime.max.replace(tzinfo=_dt.timezone.utc) - _EPOCH) // _dt.timedelta(microseconds=1))
#: How far a simulation may run past its start: 100 years of 365.25 days (sdssim's choice).
#: Its clock never passes ``min(start + HORIZON_US, MAX_US)``; see ``docs/behaviour.md``.
HORIZON_US = 36_525 * 86_400 * 1_000_000

_TS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|z|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(value: object) -> pendulum.DateTime:
    """Parse an ISO 8601 timestamp (or a datetime) into a UTC ``DateTime``.

    A timestamp without an offset is taken as UTC.  Fractions beyond
    microseconds are truncated.  Raises ``ValueError`` on anything else.
    """
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return pendulum.instance(value).in_timezone(UTC)
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    m = _TS.match(value.strip())
    if not m:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}")
    year, month, day, hour, minute, second, frac, offset = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        dt = _dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
            tzinfo=_dt.timezone.utc,
        )
    except ValueError as exc:
        raise ValueError(f"not a valid timestamp: {value!r} ({exc})") from None
    if offset and offset not in ("Z", "z"):
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        delta = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        dt = dt - sign * delta
    return pendulum.instance(dt).in_timezone(UTC)


def format_timestamp(value: _dt.datetime) -> str:
    """Graph's wire form: ``2026-09-01T08:00:00Z`` or ``…:00.123456Z``."""
    value = value.astimezone(_dt.timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S") if value.year >= 1000 else (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + "Z"


_ISO_DUR = re.compile(
    r"^(?P<sign>-)?P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_SHORT_DUR = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<u>ms|s|m|h|d|w)$")
_SHORT_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


#: The longest duration a ``timedelta`` holds (999,999,999 days), in microseconds.
_MAX_DURATION_US = 999_999_999 * 86_400 * US_PER_S


def _from_total_us(total: float, original: object) -> pendulum.Duration:
    """A duration of ``total`` microseconds; ``ValueError`` if not finite or too long."""
    if not math.isfinite(total):
        raise ValueError(f"a duration must be finite: {original!r}")
    if total > _MAX_DURATION_US:
        raise ValueError(f"duration too long (at most 999,999,999 days): {original!r}")
    return pendulum.duration(microseconds=round(total))


def parse_duration(value: object) -> pendulum.Duration:
    """Parse a duration.

    Accepts ISO 8601 (``PT40M``, ``P1DT2H``, Graph's ``P10675199DT2H48M5.4775807S``),
    the short forms ``40m``/``6h``/``1d``/``30s``/``2w``, a ``timedelta`` and a
    number of seconds.  Raises ``ValueError`` otherwise.
    """
    if isinstance(value, _dt.timedelta):
        return pendulum.duration(days=value.days, seconds=value.seconds, microseconds=value.microseconds)
    if isinstance(value, bool):
        raise ValueError("expected a duration, got a boolean")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"a duration cannot be negative: {value!r}")
        return _from_total_us(value * US_PER_S, value)
    if not isinstance(value, str):
        raise ValueError(f"expected a duration, got {type(value).__name__}")
    text = value.strip()
    if text == NEVER_INTERVAL_TEXT:
        return NEVER_INTERVAL
    m = _ISO_DUR.match(text)
    if m and text not in ("P", "PT") and not text.endswith("T"):
        parts = {k: float(v) for k, v in m.groupdict().items() if v and k != "sign"}
        if m.group("sign"):
            raise ValueError(f"a duration cannot be negative: {value!r}")
        total = (parts.get("w", 0) * 604800 + parts.get("d", 0) * 86400 + parts.get("h", 0) * 3600
                 + parts.get("m", 0) * 60 + parts.get("s", 0)) * US_PER_S
        return _from_total_us(total, value)
    m = _SHORT_DUR.match(text)
    if m:
        return _from_total_us(float(m.group("n")) * _SHORT_UNITS[m.group("u")] * US_PER_S, value)
    raise ValueError(f"not an ISO 8601 duration: {value!r}")


def format_duration(value: _dt.timedelta) -> str:
    """ISO 8601 as Graph writes it: ``PT40M``, ``P1D``, ``PT0S``; TimeSpan.MaxValue exactly."""
    if value == NEVER_INTERVAL:
        return NEVER_INTERVAL_TEXT
    total_us = (value.days * 86400 + value.seconds) * US_PER_S + value.microseconds
    if total_us < 0:
        raise ValueError("a duration cannot be negative")
    days, rem = divmod(total_us, 86400 * US_PER_S)
    hours, rem = divmod(rem, 3600 * US_PER_S)
    minutes, rem = divmod(rem, 60 * US_PER_S)
    seconds, micro = divmod(rem, US_PER_S)
    out = "P"
    if days:
        out += f"{days}D"
    time = ""
    if hours:
        time += f"{hours}H"
    if minutes:
        time += f"{minutes}M"
    if seconds or micro:
        time += f"{seconds}" + (("." + f"{micro:06d}".rstrip("0")) if micro else "") + "S"
    if time:
        out += "T" + time
    return out if out != "P" else "PT0S"


def to_us(value: _dt.datetime) -> int:
    """A datetime as integer microseconds since the Unix epoch (engine time)."""
    # stdlib subtraction (exact); pendulum's own rounds at the far end of the calendar
    delta = _dt.datetime.__sub__(value.astimezone(_dt.timezone.utc), _EPOCH)
    return (delta.days * 86400 + delta.seconds) * US_PER_S + delta.microseconds


def from_us(us: int) -> pendulum.DateTime:
    """Engine time back to a UTC ``pendulum.DateTime``.

    An instant past 9999-12-31T23:59:59.999999Z (an attempt scheduled beyond
    the calendar, which the clock can never reach) is shown as that last instant.
    """
    d = _EPOCH + _dt.timedelta(microseconds=min(us, MAX_US))
    # built field by field: pendulum.instance() would convert time zones (4x slower)
    return pendulum.DateTime(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond,
                             tzinfo=UTC)


@functools.lru_cache(maxsize=1 << 12)
def format_us(us: int) -> str:
    """``format_timestamp(from_us(us))`` from the integer itself: what records write.

    Only the date is made as an object, once per day (cached); the time of day is
    arithmetic.  Past the calendar it shows the last instant, as :func:`from_us` does.
    Recent answers are cached: records made at one instant come together.
    """
    days, rest = divmod(min(us, MAX_US), _US_PER_DAY)
    seconds, micro = divmod(rest, US_PER_S)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = f"{_day_text(days)}T{hours:02d}:{minutes:02d}:{seconds:02d}"
    if micro:
        text += "." + f"{micro:06d}".rstrip("0")
    return text + "Z"


_US_PER_DAY = 86_400 * US_PER_S
_EPOCH_ORDINAL = _EPOCH.toordinal()


@functools.lru_cache(maxsize=4096)
def _day_text(days: int) -> str:
    """``YYYY-MM-DD`` of the day ``days`` after 1970-01-01."""
    day = _dt.date.fromordinal(_EPOCH_ORDINAL + days)
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def timestamp_us(value: object) -> int:
    """Any timestamp :func:`parse_timestamp` accepts, as engine time (a ``datetime`` is
    converted directly, without building a ``pendulum.DateTime``)."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return to_us(value)
    return to_us(parse_timestamp(value))


def duration_us(value: object) -> int:
    """Any duration :func:`parse_duration` accepts, as integer microseconds (a
    ``timedelta`` is converted directly)."""
    if isinstance(value, _dt.timedelta):
        return (value.days * 86400 + value.seconds) * US_PER_S + value.microseconds
    d = parse_duration(value)
    return (d.days * 86400 + d.seconds) * US_PER_S + d.microseconds
