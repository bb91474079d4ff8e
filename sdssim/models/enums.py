"""Graph enumerations used by the SDS profile and provisioning-job resources.

Every enum is a ``str`` mixin whose value is the exact wire string, except
:class:`SynchronizationJobRestartScope`, a flag set written on the wire as a
comma-separated list of names (see :func:`parse_reset_scope` and
:func:`format_reset_scope`).
"""

from __future__ import annotations

import enum

from sdssim.errors import ModelError

__all__ = [
    "EducationSynchronizationProfileState",
    "EducationSynchronizationStatus",
    "EducationSynchronizationEntryType",
    "SynchronizationStatusCode",
    "SynchronizationScheduleState",
    "SynchronizationTaskExecutionResult",
    "QuarantineReason",
    "SynchronizationJobRestartScope",
    "VerificationMessageType",
    "parse_reset_scope",
    "format_reset_scope",
]


class EducationSynchronizationProfileState(str, enum.Enum):
    """``educationSynchronizationProfileState``: the profile's provisioning state."""

    provisioning = "provisioning"
    provisioned = "provisioned"
    provisioningFailed = "provisioningFailed"
    deleting = "deleting"
    deletionFailed = "deletionFailed"
    unknownFutureValue = "unknownFutureValue"


class EducationSynchronizationStatus(str, enum.Enum):
    """``educationSynchronizationStatus``, in documented order.

    ``extracting`` and ``validating`` are evolvable members (listed in
    ``EVOLVABLE``): without ``Prefer: include-unknown-enum-members`` Graph
    answers ``unknownFutureValue`` in their place.
    """

    paused = "paused"
    inProgress = "inProgress"
    success = "success"
    error = "error"
    validationError = "validationError"
    quarantined = "quarantined"
    unknownFutureValue = "unknownFutureValue"
    extracting = "extracting"
    validating = "validating"

    @property
    def is_evolvable(self) -> bool:
        """True for members sent only to clients that opt in to unknown enum members."""
        return self in _EVOLVABLE

    def visible(self, include_unknown_enum_members: bool = False) -> EducationSynchronizationStatus:
        """The member a client sees: evolvable members become ``unknownFutureValue``
        unless the client opted in."""
        if not include_unknown_enum_members and self in _EVOLVABLE:
            return EducationSynchronizationStatus.unknownFutureValue
        return self


_EVOLVABLE = frozenset(
    {EducationSynchronizationStatus.extracting, EducationSynchronizationStatus.validating}
)
EducationSynchronizationStatus.EVOLVABLE = _EVOLVABLE  # type: ignore[attr-defined]


class EducationSynchronizationEntryType(str, enum.Enum):
    """The sync entity an ``educationSynchronizationError`` is about (``entryType``)."""

    school = "school"
    section = "section"
    student = "student"
    teacher = "teacher"


class SynchronizationStatusCode(str, enum.Enum):
    """``synchronizationStatusCode``: a provisioning job's ``status.code``."""

    NotConfigured = "NotConfigured"
    NotRun = "NotRun"
    Active = "Active"
    Paused = "Paused"
    Quarantine = "Quarantine"


class SynchronizationScheduleState(str, enum.Enum):
    """``synchronizationScheduleState``: ``schedule.state``."""

    Active = "Active"
    Disabled = "Disabled"
    Paused = "Paused"


class SynchronizationTaskExecutionResult(str, enum.Enum):
    """``synchronizationTaskExecutionResult``: ``lastExecution.state``."""

    Succeeded = "Succeeded"
    Failed = "Failed"
    EntryLevelErrors = "EntryLevelErrors"


_REASON_NUMBERS = {
    "EncounteredBaseEscrowThreshold": 0,
    "EncounteredTotalEscrowThreshold": 1,
    "EncounteredEscrowProportionThreshold": 2,
    "EncounteredQuarantineException": 4,
    "Unknown": 8,
    "QuarantinedOnDemand": 16,
    "TooManyDeletes": 32,
    "IngestionInterrupted": 64,
}


class QuarantineReason(str, enum.Enum):
    """``quarantineReason``; ``.number`` is the documented numeric value."""

    EncounteredBaseEscrowThreshold = "EncounteredBaseEscrowThreshold"
    EncounteredTotalEscrowThreshold = "EncounteredTotalEscrowThreshold"
    EncounteredEscrowProportionThreshold = "EncounteredEscrowProportionThreshold"
    EncounteredQuarantineException = "EncounteredQuarantineException"
    Unknown = "Unknown"
    QuarantinedOnDemand = "QuarantinedOnDemand"
    TooManyDeletes = "TooManyDeletes"
    IngestionInterrupted = "IngestionInterrupted"

    @property
    def number(self) -> int:
        return _REASON_NUMBERS[self.value]


class VerificationMessageType(str, enum.Enum):
    """``verificationMessageType`` of a CSV ``start`` verification message."""

    Error = "Error"
    Warning = "Warning"


class SynchronizationJobRestartScope(enum.IntFlag):
    """``synchronizationJobRestartScope`` flags (restart ``criteria.resetScope``).

    ``None_`` is written ``None`` on the wire.
    """

    None_ = 0
    ConnectorDataStore = 1
    Escrows = 2
    Watermark = 4
    QuarantineState = 8
    Full = 15
    ForceDeletes = 32


_Scope = SynchronizationJobRestartScope
_SCOPE_BY_NAME = {
    "none": _Scope.None_,
    "connectordatastore": _Scope.ConnectorDataStore,
    "escrows": _Scope.Escrows,
    "watermark": _Scope.Watermark,
    "quarantinestate": _Scope.QuarantineState,
    "full": _Scope.Full,
    "forcedeletes": _Scope.ForceDeletes,
}
_SCOPE_ORDER = (
    _Scope.ConnectorDataStore,
    _Scope.Escrows,
    _Scope.Watermark,
    _Scope.QuarantineState,
    _Scope.ForceDeletes,
)
_SCOPE_ALL = _Scope.ConnectorDataStore | _Scope.Escrows | _Scope.Watermark | _Scope.QuarantineState


def parse_reset_scope(text: str, path: str = "criteria.resetScope") -> SynchronizationJobRestartScope:
    """Parse Graph's comma-separated ``resetScope`` (``"Watermark, Escrows"``).

    Names are case-insensitive and whitespace-tolerant; ``""`` and ``"None"``
    give an empty flag set.  Anything else raises :class:`ModelError` at ``path``.
    """
    if not isinstance(text, str):
        raise ModelError(path, f"expected a comma-separated string, got {type(text).__name__}")
    result = _Scope.None_
    for part in text.split(","):
        name = part.strip()
        if not name:
            continue
        flag = _SCOPE_BY_NAME.get(name.lower())
        if flag is None:
            raise ModelError(path, f"unknown restart scope {name!r}")
        result |= flag
    return _Scope(result)


def format_reset_scope(flag: SynchronizationJobRestartScope | int) -> str:
    """Write flags in the canonical order ConnectorDataStore, Escrows, Watermark,
    QuarantineState, ForceDeletes; ``Full`` when all of the first four are set;
    ``None`` for no flags."""
    value = int(flag)
    if value & ~int(_SCOPE_ALL | _Scope.ForceDeletes):
        raise ValueError(f"not a restart scope: {value}")
    names = []
    if value & _SCOPE_ALL == _SCOPE_ALL:
        names.append("Full")
        value &= ~int(_SCOPE_ALL)
    names.extend(str(f.name) for f in _SCOPE_ORDER if value & f)
    return ", ".join(names) if names else "None"
