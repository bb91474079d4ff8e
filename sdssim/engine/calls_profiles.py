"""The profile half of the Graph mirror (beta ``education/synchronizationProfiles``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models import (
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileStatus,
    VerificationMessage,
)
from .calls import ApiBase, _api
from .config import SimConfig

__all__ = ["ProfileCalls"]


class ProfileCalls(ApiBase):
    """Mixed into :class:`~sdssim.engine.Simulation`."""

    config: SimConfig

    @_api
    def create_profile(self, body: Mapping[str, Any] | EducationSynchronizationProfile
                       ) -> EducationSynchronizationProfile:
        p = self._profiles.create(body)
        self._log("create_profile", body=body, id=p.id)
        return p.model()

    @_api
    def list_profiles(self) -> list[EducationSynchronizationProfile]:
        return [p.model() for p in self._profiles.profiles.values()]

    @_api
    def get_profile(self, profile_id: str) -> EducationSynchronizationProfile:
        return self._profiles.find(profile_id).model()

    @_api
    def delete_profile(self, profile_id: str) -> None:
        self._profiles.delete(self._profiles.find(profile_id))
        self._log("delete_profile", profile_id=profile_id)

    @_api
    def pause_profile(self, profile_id: str) -> None:
        self._profiles.pause(self._profiles.find(profile_id))
        self._log("pause_profile", profile_id=profile_id)

    @_api
    def resume_profile(self, profile_id: str) -> None:
        self._profiles.resume(self._profiles.find(profile_id))
        self._log("resume_profile", profile_id=profile_id)

    @_api
    def reset_profile(self, profile_id: str) -> None:
        self._profiles.reset(self._profiles.find(profile_id))
        self._log("reset_profile", profile_id=profile_id)

    @_api
    def get_upload_url(self, profile_id: str) -> str:
        url = self._profiles.upload_url(self._profiles.find(profile_id))
        self._log("get_upload_url", profile_id=profile_id)
        return url

    @_api
    def upload_files(self, profile_id: str, files: Mapping[str, str | bytes]) -> None:
        self._profiles.upload(self._profiles.find(profile_id), files)
        self._log("upload_files", profile_id=profile_id, files=dict(files))

    @_api
    def start_profile(self, profile_id: str) -> list[VerificationMessage]:
        messages = self._profiles.start(self._profiles.find(profile_id))
        self._log("start_profile", profile_id=profile_id)
        return messages

    @_api
    def get_profile_status(self, profile_id: str) -> EducationSynchronizationProfileStatus:
        return self._profiles.status(self._profiles.find(profile_id), self.config.us("status_lag"))

    @_api
    def list_errors(self, profile_id: str) -> list[EducationSynchronizationError]:
        return list(self._profiles.find(profile_id).errors)

    @_api
    def create_error(self, profile_id: str, body: Mapping[str, Any] | EducationSynchronizationError
                     ) -> EducationSynchronizationError:
        err = self._profiles.create_error(self._profiles.find(profile_id), body)
        self._log("create_error", profile_id=profile_id, body=err.to_json())
        return err
