"""School Data Sync profile resources (``/beta/education/synchronizationProfiles``)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs

from sdssim.models._convert import GraphResource, register, unstructure_fn
from sdssim.models.enums import (
    EducationSynchronizationProfileState,
    EducationSynchronizationStatus,
    VerificationMessageType,
)

__all__ = [
    "EducationSynchronizationError",
    "EducationSynchronizationProfileStatus",
    "VerificationMessage",
    "EducationSynchronizationLicenseAssignment",
    "EducationSynchronizationCustomization",
    "EducationSynchronizationCustomizations",
    "EducationCsvDataProvider",
    "EducationOneRosterApiDataProvider",
    "EducationPowerSchoolDataProvider",
    "EducationSynchronizationDataProvider",
    "EducationIdentityDomain",
    "EducationIdentityCreationConfiguration",
    "EducationIdentityMatchingOptions",
    "EducationIdentityMatchingConfiguration",
    "EducationIdentitySynchronizationConfiguration",
    "EducationSynchronizationProfile",
]


@register()
@attrs.frozen(kw_only=True)
class EducationSynchronizationError(GraphResource):
    """One entry that failed to validate or synchronize (``educationSynchronizationError``)."""

    id: str | None = None
    entry_type: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    joining_value: str | None = None
    recorded_date_time: _dt.datetime | None = None
    reportable_identifier: str | None = None


@register()
@attrs.frozen(kw_only=True)
class EducationSynchronizationProfileStatus(GraphResource):
    """A profile's sync status (``educationSynchronizationProfileStatus``)."""

    id: str | None = None
    status: EducationSynchronizationStatus | None = None
    error_count: int | None = None
    last_activity_date_time: _dt.datetime | None = None
    last_synchronization_date_time: _dt.datetime | None = None
    status_message: str | None = None

    def to_json(self, *, include_unknown_enum_members: bool = False) -> dict[str, Any]:
        """As Graph answers: ``extracting``/``validating`` become ``unknownFutureValue``
        unless ``include_unknown_enum_members`` (``Prefer: include-unknown-enum-members``)."""
        doc = _status_unstructure(self)
        if not include_unknown_enum_members and self.status is not None \
                and self.status.is_evolvable:
            doc["status"] = EducationSynchronizationStatus.unknownFutureValue.value
        return doc


_status_unstructure = unstructure_fn(EducationSynchronizationProfileStatus)


@register()
@attrs.frozen(kw_only=True)
class VerificationMessage(GraphResource):
    """One finding of a CSV profile's ``start`` verification."""

    type: VerificationMessageType | None = None
    group: str | None = None
    description: str | None = None
    resolution: str | None = None
    file_name: str | None = None


@register()
@attrs.frozen(kw_only=True)
class EducationSynchronizationLicenseAssignment(GraphResource):
    applies_to: str | None = None
    sku_ids: tuple[str, ...] | None = None


@register()
@attrs.frozen(kw_only=True)
class EducationSynchronizationCustomization(GraphResource):
    optional_properties_to_sync: tuple[str, ...] | None = None
    synchronization_start_date: _dt.datetime | None = None
    is_sync_deferred: bool | None = None
    allow_display_name_update: bool | None = None


@register()
@attrs.frozen(kw_only=True)
class EducationSynchronizationCustomizations(GraphResource):
    school: EducationSynchronizationCustomization | None = None
    section: EducationSynchronizationCustomization | None = None
    student: EducationSynchronizationCustomization | None = None
    teacher: EducationSynchronizationCustomization | None = None
    student_enrollment: EducationSynchronizationCustomization | None = None
    teacher_roster: EducationSynchronizationCustomization | None = None


@register("educationCsvDataProvider")
@attrs.frozen(kw_only=True)
class EducationCsvDataProvider(GraphResource):
    """CSV files uploaded through ``uploadUrl``; sync begun with ``start``."""

    customizations: EducationSynchronizationCustomizations | None = None


@register("educationOneRosterApiDataProvider")
@attrs.frozen(kw_only=True)
class EducationOneRosterApiDataProvider(GraphResource):
    connection_url: str | None = None
    provider_name: str | None = None
    schools_ids: tuple[str, ...] | None = None
    term_ids: tuple[str, ...] | None = None
    connection_settings: dict[str, Any] | None = None
    customizations: EducationSynchronizationCustomizations | None = None


@register("educationPowerSchoolDataProvider")
@attrs.frozen(kw_only=True)
class EducationPowerSchoolDataProvider(GraphResource):
    connection_url: str | None = None
    schools_ids: tuple[str, ...] | None = None
    school_year: str | None = None
    allow_teachers_in_multiple_schools: bool | None = None
    connection_settings: dict[str, Any] | None = None
    customizations: EducationSynchronizationCustomizations | None = None


EducationSynchronizationDataProvider = (
    EducationCsvDataProvider | EducationOneRosterApiDataProvider | EducationPowerSchoolDataProvider
)


@register()
@attrs.frozen(kw_only=True)
class EducationIdentityDomain(GraphResource):
    applies_to: str | None = None
    name: str | None = None


@register("educationIdentityCreationConfiguration")
@attrs.frozen(kw_only=True)
class EducationIdentityCreationConfiguration(GraphResource):
    user_domains: tuple[EducationIdentityDomain, ...] | None = None


@register()
@attrs.frozen(kw_only=True)
class EducationIdentityMatchingOptions(GraphResource):
    applies_to: str | None = None
    source_property_name: str | None = None
    target_domain: str | None = None
    target_property_name: str | None = None


@register("educationIdentityMatchingConfiguration")
@attrs.frozen(kw_only=True)
class EducationIdentityMatchingConfiguration(GraphResource):
    matching_options: tuple[EducationIdentityMatchingOptions, ...] | None = None


EducationIdentitySynchronizationConfiguration = (
    EducationIdentityCreationConfiguration | EducationIdentityMatchingConfiguration
)


@register()
@attrs.frozen(kw_only=True)
class EducationSynchronizationProfile(GraphResource):
    """An SDS profile.

    ``last_synchronization_time``, ``sync_status``, ``error_status`` and the
    top-level ``customizations`` belong to the older shape shown in the example of
    Graph's ``educationSynchronizationProfile`` page; they are kept so that documents of that shape parse and round-trip.
    """

    id: str | None = None
    display_name: str | None = None
    state: EducationSynchronizationProfileState | None = None
    data_provider: EducationSynchronizationDataProvider | None = None
    identity_synchronization_configuration: EducationIdentitySynchronizationConfiguration | None = None
    licenses_to_assign: tuple[EducationSynchronizationLicenseAssignment, ...] | None = None
    handle_special_user_names: bool | None = None
    expiration_date: _dt.date | None = None
    customizations: EducationSynchronizationCustomizations | None = None
    last_synchronization_time: _dt.datetime | None = None
    sync_status: str | None = None
    error_status: str | None = None
