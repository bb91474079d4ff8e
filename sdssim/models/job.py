"""Provisioning job resources (``/servicePrincipals/{id}/synchronization/jobs``: Graph's ``synchronizationJob`` and its parts)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs

from sdssim.models._convert import GraphResource, register
from sdssim.models.enums import (
    QuarantineReason,
    SynchronizationScheduleState,
    SynchronizationStatusCode,
    SynchronizationTaskExecutionResult,
)

__all__ = [
    "KeyValuePair",
    "StringKeyLongValuePair",
    "StringKeyStringValuePair",
    "SynchronizationError",
    "SynchronizationTaskExecution",
    "SynchronizationProgress",
    "SynchronizationQuarantine",
    "SynchronizationStatus",
    "SynchronizationSchedule",
    "SynchronizationJob",
    "SynchronizationSchema",
]


@register()
@attrs.frozen(kw_only=True)
class KeyValuePair(GraphResource):
    """A job setting, e.g. ``QuarantineTooManyDeletesThreshold`` = ``"500"``."""

    name: str | None = None
    value: str | None = None


@register()
@attrs.frozen(kw_only=True)
class StringKeyLongValuePair(GraphResource):
    """An entry of ``synchronizedEntryCountByType``."""

    key: str | None = None
    value: int | None = None


@register()
@attrs.frozen(kw_only=True)
class StringKeyStringValuePair(GraphResource):
    """The answer of ``provisionOnDemand``: ``value`` holds the provisioning steps as JSON."""

    key: str | None = None
    value: str | None = None


@register()
@attrs.frozen(kw_only=True)
class SynchronizationError(GraphResource):
    code: str | None = None
    message: str | None = None
    tenant_actionable: bool | None = None


@register()
@attrs.frozen(kw_only=True)
class SynchronizationTaskExecution(GraphResource):
    """One run of a job (``lastExecution`` and friends)."""

    activity_identifier: str | None = None
    count_entitled: int | None = None
    count_entitled_for_provisioning: int | None = None
    count_escrowed: int | None = None
    count_escrowed_raw: int | None = None
    count_exported: int | None = None
    count_exports: int | None = None
    count_imported: int | None = None
    count_imported_deltas: int | None = None
    count_imported_reference_deltas: int | None = None
    error: SynchronizationError | None = None
    state: SynchronizationTaskExecutionResult | None = None
    time_began: _dt.datetime | None = None
    time_ended: _dt.datetime | None = None


@register()
@attrs.frozen(kw_only=True)
class SynchronizationProgress(GraphResource):
    completed_units: int | None = None
    progress_observation_date_time: _dt.datetime | None = None
    total_units: int | None = None
    units: str | None = None


@register()
@attrs.frozen(kw_only=True)
class SynchronizationQuarantine(GraphResource):
    current_began: _dt.datetime | None = None
    next_attempt: _dt.datetime | None = None
    reason: QuarantineReason | None = None
    series_began: _dt.datetime | None = None
    series_count: int | None = None
    error: SynchronizationError | None = None


@register()
@attrs.frozen(kw_only=True)
class SynchronizationStatus(GraphResource):
    code: SynchronizationStatusCode | None = None
    count_successive_complete_failures: int | None = None
    escrows_pruned: bool | None = None
    last_execution: SynchronizationTaskExecution | None = None
    last_successful_execution: SynchronizationTaskExecution | None = None
    last_successful_execution_with_exports: SynchronizationTaskExecution | None = None
    progress: tuple[SynchronizationProgress, ...] | None = None
    quarantine: SynchronizationQuarantine | None = None
    steady_state_first_achieved_time: _dt.datetime | None = None
    steady_state_last_achieved_time: _dt.datetime | None = None
    synchronized_entry_count_by_type: tuple[StringKeyLongValuePair, ...] | None = None
    troubleshooting_url: str | None = None


@register()
@attrs.frozen(kw_only=True)
class SynchronizationSchedule(GraphResource):
    """``interval`` is a ``timedelta``; TimeSpan.MaxValue is :data:`sdssim.clock.NEVER_INTERVAL`."""

    expiration: _dt.datetime | None = None
    interval: _dt.timedelta | None = None
    state: SynchronizationScheduleState | None = None


@register()
@attrs.frozen(kw_only=True)
class SynchronizationJob(GraphResource):
    id: str | None = None
    template_id: str | None = None
    schedule: SynchronizationSchedule | None = None
    status: SynchronizationStatus | None = None
    synchronization_job_settings: tuple[KeyValuePair, ...] | None = None


@register()
@attrs.frozen(kw_only=True)
class SynchronizationSchema(GraphResource):
    """A job's schema, kept minimal: rules and directories stay raw JSON objects
    (a directory is ``{"id", "name", "objects": [...]}``).  Both lists are always written."""

    id: str | None = None
    version: str | None = None
    synchronization_rules: tuple[dict[str, Any], ...] = ()
    directories: tuple[dict[str, Any], ...] = ()
