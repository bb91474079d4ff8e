"""Every timing and threshold of the simulation, with the documented defaults.

Durations accept anything :func:`sdssim.clock.parse_duration` does.  Values
marked *(choice)* are sdssim's decisions where the documentation is silent;
``docs/behaviour.md`` explains each.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from ..clock import parse_duration

__all__ = ["SimConfig"]


def _dur(value: object) -> _dt.timedelta:
    return parse_duration(value)


def _durs(values: object) -> tuple[_dt.timedelta, ...]:
    return tuple(parse_duration(v) for v in values)  # type: ignore[union-attr]


@attrs.frozen(kw_only=True)
class SimConfig:
    # --- profiles -----------------------------------------------------------
    provisioning_delay: _dt.timedelta = attrs.field(default="PT5M", converter=_dur)  # (choice)
    deletion_delay: _dt.timedelta = attrs.field(default="PT2M", converter=_dur)  # (choice)
    upload_url_validity: _dt.timedelta = attrs.field(default="PT1H", converter=_dur)  # documented
    upload_processing: _dt.timedelta = attrs.field(default="PT5M", converter=_dur)  # (choice)
    validation_base: _dt.timedelta = attrs.field(default="PT2M", converter=_dur)  # (choice)
    extraction_base: _dt.timedelta = attrs.field(default="PT3M", converter=_dur)  # (choice)
    sync_base: _dt.timedelta = attrs.field(default="PT5M", converter=_dur)  # (choice)
    sync_per_entry: _dt.timedelta = attrs.field(default="PT0.05S", converter=_dur)  # (choice)
    api_sync_interval: _dt.timedelta = attrs.field(default="P1D", converter=_dur)  # (choice)
    api_entry_count: int = 1000  # (choice) entries an API-provider profile syncs
    status_lag: _dt.timedelta = attrs.field(default="PT0S", converter=_dur)  # (choice)
    max_rows_per_file: int = 500_000  # documented
    # --- jobs ---------------------------------------------------------------
    cycle_interval: _dt.timedelta = attrs.field(default="PT40M", converter=_dur)  # documented
    initial_minutes_per_object: tuple[float, float] = (0.01, 0.08)  # documented range
    incremental_minutes: tuple[float, float] = (10.0, 30.0)  # documented range
    incremental_change_rate: float = 0.01  # (choice) share of objects changing per cycle
    default_objects: tuple[tuple[str, int], ...] = (("User", 1000), ("Group", 50))  # (choice)
    # --- quarantine ---------------------------------------------------------
    quarantine_retries: tuple[_dt.timedelta, ...] = attrs.field(
        default=("PT6H", "PT12H", "PT24H"), converter=_durs
    )  # documented default: offsets after the first failure
    quarantine_retry_every: _dt.timedelta = attrs.field(default="PT24H", converter=_dur)
    quarantine_disable_after: _dt.timedelta = attrs.field(default="P28D", converter=_dur)
    escrow_min_failures: int = 5_000  # documented
    escrow_proportion: float = 0.40  # documented
    escrow_total: int = 40_000  # documented
    escrow_cap: int = 60_000  # documented
    too_many_deletes_threshold: int = 500  # documented example; job setting overrides
    # --- engine -------------------------------------------------------------
    #: skip steady-state cycles and compute them when observed (outputs are identical)
    lazy_steady_state: bool = True
