import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdssim.clock import (
    MAX_US,
    NEVER,
    NEVER_INTERVAL,
    NEVER_INTERVAL_TEXT,
    duration_us,
    format_duration,
    format_timestamp,
    format_us,
    from_us,
    parse_duration,
    parse_timestamp,
    to_us,
)


@pytest.mark.parametrize("text,expected", [
    ("2026-09-01T08:00:00Z", "2026-09-01T08:00:00Z"),
    ("2026-09-01T09:00:00+01:00", "2026-09-01T08:00:00Z"),
    ("2026-09-01T08:00:00.500Z", "2026-09-01T08:00:00.5Z"),
    ("2017-10-20T03:19:42.1234567Z", "2017-10-20T03:19:42.123456Z"),
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
])
def test_timestamps_normalise_to_utc_z(text, expected):
    assert format_timestamp(parse_timestamp(text)) == expected


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01T00:00:00Z", "", 5, None])
def test_bad_timestamps_raise_value_error(bad):
    with pytest.raises(ValueError):
        parse_timestamp(bad)


@pytest.mark.parametrize("text,seconds,wire", [
    ("PT40M", 2400, "PT40M"), ("P1D", 86400, "P1D"), ("PT6H", 21600, "PT6H"),
    ("40m", 2400, "PT40M"), ("6h", 21600, "PT6H"), ("1d", 86400, "P1D"), ("P1W", 604800, "P7D"),
    ("P1DT2H", 93600, "P1DT2H"), ("PT0S", 0, "PT0S"), (90, 90, "PT1M30S"),
])
def test_durations_parse_and_format(text, seconds, wire):
    d = parse_duration(text)
    assert d.total_seconds() == seconds
    assert format_duration(d) == wire


def test_timespan_max_value_round_trips_exactly():
    assert parse_duration(NEVER_INTERVAL_TEXT) == NEVER_INTERVAL
    assert format_duration(NEVER_INTERVAL) == NEVER_INTERVAL_TEXT
    assert format_timestamp(NEVER) == "0001-01-01T00:00:00Z"


@pytest.mark.parametrize("bad", ["forty minutes", "P", "PT", "-PT5M", -3, True, "PT5X"])
def test_bad_durations_raise_value_error(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2200, 1, 1),
                    timezones=st.just(dt.timezone.utc)))
def test_engine_time_round_trips(value):
    assert from_us(to_us(value)) == value


@given(st.integers(0, 10**12))
def test_duration_text_round_trips(us):
    d = dt.timedelta(microseconds=us)
    assert duration_us(format_duration(d)) == us


@given(st.integers(min_value=to_us(dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc)),
                   max_value=MAX_US + 10**15))
def test_format_us_is_format_timestamp_of_from_us(us):
    """Records format integer times without making a datetime: the same text."""
    assert format_us(us) == format_timestamp(from_us(us))


def test_format_us_at_the_edges():
    assert format_us(0) == "1970-01-01T00:00:00Z"
    assert format_us(-1) == "1969-12-31T23:59:59.999999Z"
    assert format_us(1_500_000) == "1970-01-01T00:00:01.5Z"
    assert format_us(MAX_US + 1) == "9999-12-31T23:59:59.999999Z"
