"""The engine's mutable state of one SDS profile, and its Graph projection."""

from __future__ import annotations

from typing import Any

import attrs

from ..clock import NEVER, from_us
from ..models import (
    EducationCsvDataProvider,
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileState,
    EducationSynchronizationProfileStatus,
    EducationSynchronizationStatus,
)
from .core import Core, Subject
from .csvcheck import CsvCheck
from .records import ModelView, View
from .subjects import profile_subject

__all__ = ["ProfileState", "RUNNING", "STATUS_MESSAGES", "ENTRY_CODES", "ERROR_MESSAGES"]

#: statuses in which a sync phase is running, with the phase's trigger when it ends
RUNNING = ("validating", "extracting", "inProgress")
STATUS_MESSAGES = {
    "paused": "Sync is paused.",
    "validating": "Validating the source data.",
    "extracting": "Extracting the source data.",
    "inProgress": "Synchronizing with Microsoft Entra ID.",
    "success": "Sync completed successfully.",
    "error": "Sync completed with errors. Review the errors.",
    "validationError": "The source data failed validation.",
    "quarantined": "Sync is quarantined: too many entries failed.",
}
ENTRY_CODES = (
    "UnsynchronizableChange",
    "DuplicateTargetEntries",
    "AzureActiveDirectoryInvalidPropertyValue",
    "AzureActiveDirectoryInvalidLicense",
    "AzureActiveDirectoryInvalidUserUsageLocation",
    "UnmatchedEntry",
)
ERROR_MESSAGES = {
    "UnsynchronizableChange": "The change cannot be synchronized to the target object.",
    "DuplicateTargetEntries": "More than one object in the directory matches this entry.",
    "AzureActiveDirectoryInvalidPropertyValue": "A property value is invalid in the directory.",
    "AzureActiveDirectoryInvalidLicense": "The license to assign is not available in the tenant.",
    "AzureActiveDirectoryInvalidUserUsageLocation": "The user has no valid usage location.",
    "UnmatchedEntry": "No directory object matches this entry.",
    "InvalidLookupReference": "A referenced entry was not found.",
    "AzureActiveDirectoryReplicaUnavailable": "A directory replica was unavailable; try again.",
    "AzureActiveDirectoryRequestThrottledTemporarily": "The directory throttled the request.",
}


class ProfileState(Subject):
    """The engine's mutable view of one profile."""

    __slots__ = (
        "id", "body", "csv", "state", "sync", "paused_from", "remaining_us", "phase_end_us",
        "files", "url_expiry_us", "processing_until_us", "check", "errors", "error_seq",
        "last_activity_us", "last_sync_us", "created_us", "status_message", "status_history",
    )
    MACHINES = {"profile": "state", "sync": "sync"}

    def __init__(self, num: int, pid: str, body: EducationSynchronizationProfile, now: int) -> None:
        self.num = num
        self.id = pid
        self.subject = profile_subject(pid)
        self.gen = 0
        self.body = body
        self.csv = isinstance(body.data_provider, EducationCsvDataProvider)
        self.state = "provisioning"
        self.sync = "paused"
        self.paused_from: str | None = None
        self.remaining_us = 0
        self.phase_end_us = 0
        self.files: dict[str, str] = {}
        self.url_expiry_us = -1
        self.processing_until_us = -1
        self.check: CsvCheck | None = None
        self.errors: list[EducationSynchronizationError] = []
        self.error_seq = 0
        self.created_us = now
        self.last_activity_us = now
        self.last_sync_us: int | None = None
        self.status_message = "Provisioning the profile."
        #: (time, profileStatus JSON) at each change, for the status observation lag
        self.status_history: list[tuple[int, dict[str, Any]]] = []

    def model(self) -> EducationSynchronizationProfile:
        return attrs.evolve(self.body, id=self.id,
                            state=EducationSynchronizationProfileState(self.state))

    def status_model(self) -> EducationSynchronizationProfileStatus:
        return EducationSynchronizationProfileStatus(
            id=self.id,
            status=EducationSynchronizationStatus(self.sync),
            error_count=len(self.errors),
            last_activity_date_time=from_us(self.last_activity_us),
            last_synchronization_date_time=(
                from_us(self.last_sync_us) if self.last_sync_us is not None else NEVER
            ),
            status_message=self.status_message,
        )

    def snapshots(self, core: Core) -> list[tuple[str, dict[str, Any] | View]]:
        return [("profile", ModelView(self.model())), ("profileStatus", ModelView(self.status_model()))]

    def after_change(self, now: int) -> None:
        """Keep the status as of ``now`` for lagged observation (only when it changed)."""
        status = self.status_model().to_json(include_unknown_enum_members=True)
        hist = self.status_history
        if not hist or hist[-1][1] != status:
            if hist and hist[-1][0] == now:
                hist[-1] = (now, status)
            else:
                hist.append((now, status))

    def status_as_of(self, time_us: int) -> dict[str, Any]:
        found = self.status_history[0][1]
        for t, data in self.status_history:
            if t > time_us:
                break
            found = data
        return found
