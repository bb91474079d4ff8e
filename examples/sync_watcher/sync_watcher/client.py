"""The client: wait for a profile sync to finish and report its errors; watch a job's cycle.

``api`` is any object with ``get_profile_status``, ``list_errors``, ``get_job``
(Graph JSON) and ``sleep(seconds)``; see :mod:`sync_watcher.api`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: statuses of a sync still under way.  ``unknownFutureValue`` is how Graph answers the
#: evolvable members ``validating`` and ``extracting`` to a client that did not send
#: ``Prefer: include-unknown-enum-members``: the sync is still running.
RUNNING = frozenset({"validating", "extracting", "inProgress", "unknownFutureValue"})


@dataclass(frozen=True)
class SyncReport:
    profile_id: str
    status: str
    ok: bool
    errors: list[dict] = field(default_factory=list)
    timed_out: bool = False

    def summary(self) -> str:
        if self.timed_out:
            return f"{self.profile_id}: still {self.status} when we gave up"
        codes: dict[str, int] = {}
        for e in self.errors:
            codes[e.get("errorCode", "?")] = codes.get(e.get("errorCode", "?"), 0) + 1
        detail = ", ".join(f"{n} {c}" for c, n in sorted(codes.items()))
        return f"{self.profile_id}: {self.status}" + (f" ({detail})" if detail else "")


@dataclass(frozen=True)
class JobReport:
    job_id: str
    state: str  # "Succeeded", "EntryLevelErrors", "Failed", "quarantined", "not running", "timed out"
    reason: str | None = None
    next_attempt: str | None = None


def wait_for_sync(api: Any, profile_id: str, *, poll_seconds: float = 60,
                  timeout_seconds: float = 6 * 3600) -> SyncReport:
    """Poll until the profile's sync is no longer running; report it with its errors."""
    waited = 0.0
    while True:
        status = api.get_profile_status(profile_id)["status"]
        if status in RUNNING:
            if waited >= timeout_seconds:
                return SyncReport(profile_id, status, ok=False, timed_out=True)
            api.sleep(poll_seconds)
            waited += poll_seconds
            continue
        errors = [] if status == "success" else api.list_errors(profile_id)
        return SyncReport(profile_id, status, ok=status == "success", errors=errors)


def watch_job(api: Any, service_principal_id: str, job_id: str, *, poll_seconds: float = 900,
              timeout_seconds: float = 86400) -> JobReport:
    """Poll until the job finishes a cycle after we start watching; stop at once on quarantine.

    A quarantined job needs an administrator (credentials, thresholds): the
    service only retries it after hours, then daily, and disables it after 28
    days, so there is nothing to wait for.
    """
    waited = 0.0
    seen_end = None
    first = True
    while True:
        job = api.get_job(service_principal_id, job_id)
        status = job["status"]
        if status["code"] == "Quarantine":
            q = status.get("quarantine") or {}
            return JobReport(job_id, "quarantined", q.get("reason"), q.get("nextAttempt"))
        if status["code"] != "Active" or job["schedule"]["state"] != "Active":
            return JobReport(job_id, "not running", status["code"])
        last = status.get("lastExecution")
        end = last["timeEnded"] if last else None
        if first:
            seen_end, first = end, False
        elif end is not None and end != seen_end:
            return JobReport(job_id, last["state"])
        if waited >= timeout_seconds:
            return JobReport(job_id, "timed out")
        api.sleep(poll_seconds)
        waited += poll_seconds
