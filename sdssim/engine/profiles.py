"""SDS synchronization profiles: provisioning, CSV upload, the sync pipeline, deletion."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..clock import format_us, from_us
from ..errors import BadRequest, Conflict, Forbidden, NotFound, StartRejected
from ..machines import REMOVED
from ..models import (
    EducationIdentityCreationConfiguration,
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileStatus,
    VerificationMessage,
    VerificationMessageType,
)
from .bodies import parse_body
from .core import Core
from .csvcheck import canonical_name, check_files
from .profile_state import (
    ENTRY_CODES,
    ERROR_MESSAGES,
    RUNNING,
    STATUS_MESSAGES,
    ProfileState,
)

__all__ = ["ProfileState", "ProfileService"]

class ProfileService:
    """The profile half of the Graph surface, over a :class:`Core`.

    The services' one convention: the calls layer looks a subject up
    (:meth:`find`, 404 when it is not there) and every rule takes the state
    object it found, as :class:`~sdssim.engine.jobs.JobService` does.
    """

    def __init__(self, core: Core) -> None:
        self.core = core
        self.profiles: dict[str, ProfileState] = {}

    # -- lookups ----------------------------------------------------------------
    def find(self, pid: str) -> ProfileState:
        p = self.profiles.get(pid) if isinstance(pid, str) else None
        if p is None:
            raise NotFound(f"The synchronization profile '{pid}' was not found.")
        return p

    # -- create / get / delete --------------------------------------------------------
    def create(self, body: Mapping[str, object] | EducationSynchronizationProfile
               ) -> ProfileState:
        if isinstance(body, EducationSynchronizationProfile):
            model = body
        else:
            model = parse_body(EducationSynchronizationProfile, body, "synchronizationProfile")
        for field, wire in (("display_name", "displayName"), ("data_provider", "dataProvider"),
                            ("identity_synchronization_configuration",
                             "identitySynchronizationConfiguration")):
            if getattr(model, field) is None:
                raise BadRequest(f"The property '{wire}' is required.")
        if not (model.display_name or "").strip():
            raise BadRequest("The property 'displayName' cannot be empty.")
        core = self.core
        p = ProfileState(core.new_number(), core.new_uuid(), model, core.now)
        self.profiles[p.id] = p
        core.event(p.subject, "profile", None, "provisioning", "create", "api: create profile")
        core.event(p.subject, "sync", None, "paused", "create", "api: create profile")
        core.changed(p)
        core.at(core.now + core.config.us("provisioning_delay"), self._provisioned, (p, p.gen), subject=p.num)
        return p

    def _config_problem(self, p: ProfileState) -> str | None:
        ident = p.body.identity_synchronization_configuration
        if isinstance(ident, EducationIdentityCreationConfiguration) and not ident.user_domains:
            return "the identity creation configuration has no user domains"
        return None

    def _provisioned(self, arg: tuple[ProfileState, int]) -> None:
        p, gen = arg
        if gen != p.gen:
            return
        core = self.core
        fault = core.faults.active("provisioning_failure", p.subject, core.now)
        problem = "fault: provisioning_failure injected" if fault else self._config_problem(p)
        p.last_activity_us = core.now
        if problem:
            p.status_message = f"Provisioning failed: {problem}."
            core.fire(p, "profile", "provisioning_failed", problem if fault else f"rule: {problem}")
            return
        core.fire(p, "profile", "provisioning_succeeded",
                  f"rule: provisioning takes {core.config.provisioning_delay}")
        if p.csv:
            p.status_message = "Upload the CSV files and start the sync."
        else:
            self._begin(p, "start", "rule: API data providers begin syncing once provisioned")

    def delete(self, p: ProfileState) -> None:
        core = self.core
        core.fire_api(p, "profile", "delete", "api: delete profile")
        p.gen += 1
        p.status_message = "Deleting the profile."
        core.at(core.now + core.config.us("deletion_delay"), self._deleted, (p, p.gen), subject=p.num)

    def _deleted(self, arg: tuple[ProfileState, int]) -> None:
        p, gen = arg
        if gen != p.gen:
            return
        core = self.core
        if core.faults.active("deletion_failure", p.subject, core.now):
            p.status_message = "Deletion failed; delete may be retried."
            core.fire(p, "profile", "deletion_failed", "fault: deletion_failure injected")
            return
        core.event(p.subject, "profile", "deleting", REMOVED, "deletion_succeeded",
                   "rule: deletion completed; the profile is gone")
        p.gen = -1
        del self.profiles[p.id]

    # -- uploads ------------------------------------------------------------------
    def _require_csv(self, p: ProfileState, what: str) -> None:
        if not p.csv:
            raise BadRequest(f"{what} applies only to profiles with an educationCsvDataProvider.")

    def _require_provisioned(self, p: ProfileState) -> None:
        if p.state != "provisioned":
            raise Conflict(f"The profile is '{p.state}'; it must be 'provisioned'.")

    def upload_url(self, p: ProfileState) -> str:
        self._require_csv(p, "uploadUrl")
        self._require_provisioned(p)
        core = self.core
        if core.now < p.processing_until_us:
            raise Conflict("A previous upload is still being processed.")
        p.url_expiry_us = core.now + core.config.us("upload_url_validity")
        sig = f"{core.rng.getrandbits(160):040x}"
        expiry = format_us(p.url_expiry_us).replace(":", "%3A")
        return (f"https://sdssim.blob.core.windows.net/{p.id}?sv=2021-08-06&sr=c&sp=rwl"
                f"&se={expiry}&sig={sig}")

    def upload(self, p: ProfileState, files: Mapping[str, str | bytes]) -> None:
        self._require_csv(p, "Uploading files")
        core = self.core
        if not core.now < p.url_expiry_us:
            raise Forbidden("No valid upload URL: request uploadUrl() first (it is valid 1 hour).")
        if not isinstance(files, Mapping) or not files:
            raise BadRequest("files must map CSV file names to their text.")
        decoded: dict[str, str] = {}
        for name, text in files.items():
            canon = canonical_name(str(name))
            if canon is None:
                raise BadRequest(f"'{name}' is not one of the SDS CSV files.")
            if isinstance(text, bytes):
                try:
                    text = text.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise BadRequest(f"{canon} is not UTF-8 encoded.") from exc
            if not isinstance(text, str):
                raise BadRequest(f"{canon} must be text.")
            decoded[canon] = text
        p.files.update(decoded)
        p.check = None
        p.processing_until_us = core.now + core.config.us("upload_processing")
        p.last_activity_us = core.now
        core.changed(p)

    # -- start and the pipeline ---------------------------------------------------------
    def start(self, p: ProfileState) -> list[VerificationMessage]:
        self._require_csv(p, "start")
        self._require_provisioned(p)
        core = self.core
        if core.now < p.processing_until_us:
            raise Conflict("The uploaded files are still being processed.")
        check = check_files(p.files, core.config.max_rows_per_file)
        messages = [
            VerificationMessage(type=VerificationMessageType(m.type), group=m.group,
                                description=m.description, resolution=m.resolution,
                                file_name=m.file_name)
            for m in check.messages
        ]
        core.check_api(p, "sync", "start")
        if check.has_errors:
            # 400 and "sync not started": a refused call changes nothing (``reset``
            # re-validates the same files in its validating phase, ending in validationError)
            first = next(m for m in check.messages if m.type == "Error")
            n = sum(1 for m in check.messages if m.type == "Error")
            raise StartRejected(
                f"The uploaded files have {n} error(s); sync was not started. {first.description}",
                messages=messages,
            )
        core.fire(p, "sync", "start", "api: start profile")
        p.check = check
        p.last_activity_us = core.now
        self._enter_phase(p, "validating")
        return messages

    def _begin(self, p: ProfileState, trigger: str, cause: str) -> None:
        self.core.fire(p, "sync", trigger, cause)
        self._enter_phase(p, "validating")

    def _phase_us(self, p: ProfileState, phase: str) -> int:
        cfg = self.core.config
        if phase == "validating":
            return cfg.us("validation_base")
        if phase == "extracting":
            return cfg.us("extraction_base")
        us = cfg.us("sync_base") + self._entries(p) * cfg.us("sync_per_entry")
        return -(-us // 1_000_000) * 1_000_000  # whole seconds, rounded up

    def _entries(self, p: ProfileState) -> int:
        if p.csv:
            return p.check.entries if p.check else 0
        return self.core.config.api_entry_count

    def _enter_phase(self, p: ProfileState, phase: str, remaining_us: int | None = None) -> None:
        core = self.core
        p.gen += 1
        p.status_message = STATUS_MESSAGES[phase]
        p.last_activity_us = core.now
        dur = self._phase_us(p, phase) if remaining_us is None else remaining_us
        p.phase_end_us = core.now + dur
        core.changed(p)
        core.at(p.phase_end_us, self._phase_done, (p, p.gen), subject=p.num)

    def _phase_done(self, arg: tuple[ProfileState, int]) -> None:
        p, gen = arg
        if gen != p.gen:
            return
        core = self.core
        if p.sync == "validating":
            if p.csv:
                check = p.check or check_files(p.files, core.config.max_rows_per_file)
                p.check = check
                if check.has_errors:
                    first = next(m for m in check.messages if m.type == "Error")
                    p.status_message = f"Validation failed: {first.description}"
                    p.last_activity_us = core.now
                    core.fire(p, "sync", "validation_failed", f"rule: {first.description}")
                    return
            core.fire(p, "sync", "validation_passed", "rule: the source data is valid")
            self._enter_phase(p, "extracting")
        elif p.sync == "extracting":
            core.fire(p, "sync", "extraction_completed", "rule: extraction finished")
            self._enter_phase(p, "inProgress")
        elif p.sync == "inProgress":
            self._finish_sync(p)

    def _finish_sync(self, p: ProfileState) -> None:
        core = self.core
        cfg = core.config
        entries = self._entries(p)
        begun = p.phase_end_us - self._phase_us(p, "inProgress")
        failures = self._failures(p, entries)
        span = max(core.now - begun, 1)
        n = len(failures)
        p.errors.clear()  # a completed sync replaces the previous run's errors
        for i, (etype, code, message, joining, reportable) in enumerate(failures):
            p.error_seq += 1
            err = EducationSynchronizationError(
                id=f"{p.num:08x}-{(p.error_seq >> 48) & 0xFFFF:04x}-4{(p.error_seq >> 36) & 0xFFF:03x}"
                   f"-8{(p.error_seq >> 24) & 0xFFF:03x}-{p.error_seq & 0xFFFFFF:012x}",
                entry_type=etype, error_code=code, error_message=message,
                joining_value=joining,
                recorded_date_time=from_us(begun + span * (i + 1) // (n + 1)),
                reportable_identifier=reportable,
            )
            p.errors.append(err)
            core.error(p.subject, "educationSynchronizationError", err.to_json())
        counted = sum(1 for f in failures if f[1] != "InvalidLookupReference")
        p.last_activity_us = core.now
        over = counted >= cfg.escrow_min_failures and (
            counted > cfg.escrow_proportion * entries or counted > cfg.escrow_total)
        if over:
            share = counted / entries if entries else 1.0
            p.status_message = STATUS_MESSAGES["quarantined"]
            core.fire(p, "sync", "error_threshold_exceeded",
                      f"rule: {counted:,} of {entries:,} entries failed ({share:.0%}), at least "
                      f"{cfg.escrow_min_failures:,} and above {cfg.escrow_proportion:.0%} or "
                      f"{cfg.escrow_total:,}")
        elif failures:
            p.status_message = STATUS_MESSAGES["error"]
            core.fire(p, "sync", "sync_failed",
                      f"rule: {n:,} of {entries:,} entries failed to synchronize")
        else:
            p.last_sync_us = core.now
            p.status_message = STATUS_MESSAGES["success"]
            core.fire(p, "sync", "sync_succeeded", f"rule: all {entries:,} entries synchronized")
        if not p.csv:
            p.gen += 1
            core.at(core.now + cfg.us("api_sync_interval"), self._resync, (p, p.gen), subject=p.num)

    def _resync(self, arg: tuple[ProfileState, int]) -> None:
        p, gen = arg
        if gen != p.gen or p.sync not in ("success", "error", "validationError"):
            return
        self._begin(p, "start", f"rule: API providers sync every {self.core.config.api_sync_interval}")

    def _failures(self, p: ProfileState, entries: int) -> list[tuple[str, str, str, str, str]]:
        """The entries that fail this run: bad CSV rows, then injected faults."""
        core = self.core
        rng = core.rng
        out = [(b.entry_type, b.error_code, b.error_message, b.joining_value,
                b.reportable_identifier) for b in (p.check.bad_rows if p.check and p.csv else ())]
        valid = max(entries - len(out), 0)
        t = core.now
        plan: list[tuple[str, int]] = []
        f = core.faults.active("entry_failures", p.subject, t)
        if f:
            k = f.params["count"] if f.params["count"] is not None else round(f.params["rate"] * valid)
            code = "InvalidLookupReference" if f.params["reference"] else f.params["code"]
            plan.append((code or "", min(k, valid)))
        for kind, code in (("replica_unavailable", "AzureActiveDirectoryReplicaUnavailable"),
                           ("throttling", "AzureActiveDirectoryRequestThrottledTemporarily")):
            f = core.faults.active(kind, p.subject, t)
            if f:
                plan.append((code, round(f.params["rate"] * valid)))
        index = 0
        for code, k in plan:
            for _ in range(min(k, valid - index)):
                index += 1
                c = code or ENTRY_CODES[rng.randrange(len(ENTRY_CODES))]
                etype = ("student", "teacher", "section", "school")[index % 7 % 4]
                joining = f"{etype[:2].upper()}{index:06d}"
                out.append((etype, c, ERROR_MESSAGES.get(c, c), joining, f"{joining.lower()}@school.edu"))
        return out

    # -- pause / resume / reset -------------------------------------------------------
    def pause(self, p: ProfileState) -> None:
        self._require_provisioned(p)
        core = self.core
        was = p.sync
        core.fire_api(p, "sync", "pause", "api: pause profile")
        p.paused_from = was
        p.remaining_us = max(p.phase_end_us - core.now, 0) if was in RUNNING else 0
        p.gen += 1
        p.status_message = STATUS_MESSAGES["paused"]
        p.last_activity_us = core.now

    def resume(self, p: ProfileState) -> None:
        self._require_provisioned(p)
        core = self.core
        core.fire_api(p, "sync", "resume", "api: resume profile", resume_to=p.paused_from or "")
        p.paused_from = None
        p.last_activity_us = core.now
        if p.sync in RUNNING:
            self._enter_phase(p, p.sync, remaining_us=p.remaining_us)
        else:
            p.status_message = STATUS_MESSAGES[p.sync]
            if not p.csv:
                p.gen += 1
                core.at(core.now + core.config.us("api_sync_interval"), self._resync,
                        (p, p.gen), subject=p.num)

    def reset(self, p: ProfileState) -> None:
        self._require_provisioned(p)
        core = self.core
        core.fire_api(p, "sync", "reset", "api: reset profile (errors cleared, sync restarts)")
        p.errors.clear()
        p.paused_from = None
        p.check = None
        self._enter_phase(p, "validating")

    # -- status and errors --------------------------------------------------------------
    def status(self, p: ProfileState, lag_us: int) -> EducationSynchronizationProfileStatus:
        if lag_us <= 0 or not p.status_history:
            return p.status_model()
        return EducationSynchronizationProfileStatus.from_json(
            p.status_as_of(self.core.now - lag_us))

    def create_error(self, p: ProfileState, body: Mapping[str, object] | EducationSynchronizationError
                     ) -> EducationSynchronizationError:
        core = self.core
        if isinstance(body, EducationSynchronizationError):
            err = body
        else:
            err = parse_body(EducationSynchronizationError, body, "educationSynchronizationError")
        p.error_seq += 1
        # ``id`` is read-only (the service assigns it): a POSTed id is ignored, so ids stay
        # unique however often a client sends the same body.
        err = attrs.evolve(
            err,
            id=f"{p.num:08x}-0000-4000-9000-{p.error_seq:012x}",
            recorded_date_time=err.recorded_date_time or from_us(core.now),
        )
        p.errors.append(err)
        core.error(p.subject, "educationSynchronizationError", err.to_json())
        core.changed(p)
        return err
