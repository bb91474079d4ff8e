"""Graph resources of School Data Sync profiles and provisioning jobs.

Frozen, slotted attrs classes named after Graph's types, with snake_case
attributes.  ``Cls.from_json(doc)`` and ``obj.to_json()`` convert to and from
Graph's JSON through one cattrs converter; see :mod:`sdssim.models._convert`
for the wire rules (camelCase keys, ``Z`` timestamps truncated to
microseconds, ISO 8601 durations, ``@odata.type`` on polymorphic members,
:class:`sdssim.errors.ModelError` with a dotted path on bad input).
"""

from sdssim.models._convert import GraphResource, converter
from sdssim.models.enums import (
    EducationSynchronizationEntryType,
    EducationSynchronizationProfileState,
    EducationSynchronizationStatus,
    QuarantineReason,
    SynchronizationJobRestartScope,
    SynchronizationScheduleState,
    SynchronizationStatusCode,
    SynchronizationTaskExecutionResult,
    VerificationMessageType,
    format_reset_scope,
    parse_reset_scope,
)
from sdssim.models.job import (
    KeyValuePair,
    StringKeyLongValuePair,
    StringKeyStringValuePair,
    SynchronizationError,
    SynchronizationJob,
    SynchronizationProgress,
    SynchronizationQuarantine,
    SynchronizationSchedule,
    SynchronizationSchema,
    SynchronizationStatus,
    SynchronizationTaskExecution,
)
from sdssim.models.profile import (
    EducationCsvDataProvider,
    EducationIdentityCreationConfiguration,
    EducationIdentityDomain,
    EducationIdentityMatchingConfiguration,
    EducationIdentityMatchingOptions,
    EducationIdentitySynchronizationConfiguration,
    EducationOneRosterApiDataProvider,
    EducationPowerSchoolDataProvider,
    EducationSynchronizationCustomization,
    EducationSynchronizationCustomizations,
    EducationSynchronizationDataProvider,
    EducationSynchronizationError,
    EducationSynchronizationLicenseAssignment,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileStatus,
    VerificationMessage,
)

__all__ = [
    "converter",
    "GraphResource",
    # enums
    "EducationSynchronizationEntryType",
    "EducationSynchronizationProfileState",
    "EducationSynchronizationStatus",
    "QuarantineReason",
    "SynchronizationJobRestartScope",
    "SynchronizationScheduleState",
    "SynchronizationStatusCode",
    "SynchronizationTaskExecutionResult",
    "VerificationMessageType",
    "format_reset_scope",
    "parse_reset_scope",
    # profile side
    "EducationCsvDataProvider",
    "EducationIdentityCreationConfiguration",
    "EducationIdentityDomain",
    "EducationIdentityMatchingConfiguration",
    "EducationIdentityMatchingOptions",
    "EducationIdentitySynchronizationConfiguration",
    "EducationOneRosterApiDataProvider",
    "EducationPowerSchoolDataProvider",
    "EducationSynchronizationCustomization",
    "EducationSynchronizationCustomizations",
    "EducationSynchronizationDataProvider",
    "EducationSynchronizationError",
    "EducationSynchronizationLicenseAssignment",
    "EducationSynchronizationProfile",
    "EducationSynchronizationProfileStatus",
    "VerificationMessage",
    # job side
    "KeyValuePair",
    "StringKeyLongValuePair",
    "StringKeyStringValuePair",
    "SynchronizationError",
    "SynchronizationJob",
    "SynchronizationProgress",
    "SynchronizationQuarantine",
    "SynchronizationSchedule",
    "SynchronizationSchema",
    "SynchronizationStatus",
    "SynchronizationTaskExecution",
]
