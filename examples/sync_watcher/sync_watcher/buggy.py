"""The client of :mod:`sync_watcher.client` with two bugs real clients have.

BUG 1 (``wait_for_sync``): ``unknownFutureValue`` is taken for a failure.  Graph
answers it for the evolvable statuses ``validating`` and ``extracting`` to every
client that does not send ``Prefer: include-unknown-enum-members``, so this
client reports a failure the moment a sync starts.

BUG 2 (``watch_job``): a quarantined job is taken for a slow one and polled
again, on a path that skips the timeout.  Quarantine lasts until an
administrator acts (or 28 days, after which the job is disabled and stays in
quarantine), so the client polls forever.
"""

from __future__ import annotations

from typing import Any

from .client import JobReport, SyncReport

FAILED = frozenset({"error", "validationError", "quarantined", "unknownFutureValue"})  # BUG 1


def wait_for_sync(api: Any, profile_id: str, *, poll_seconds: float = 60,
                  timeout_seconds: float = 6 * 3600) -> SyncReport:
    waited = 0.0
    while True:
        status = api.get_profile_status(profile_id)["status"]
        if status == "success":
            return SyncReport(profile_id, status, ok=True)
        if status in FAILED or status == "paused":
            return SyncReport(profile_id, status, ok=False, errors=api.list_errors(profile_id))
        if waited >= timeout_seconds:
            return SyncReport(profile_id, status, ok=False, timed_out=True)
        api.sleep(poll_seconds)
        waited += poll_seconds


def watch_job(api: Any, service_principal_id: str, job_id: str, *, poll_seconds: float = 900,
              timeout_seconds: float = 86400) -> JobReport:
    waited = 0.0
    seen_end = None
    first = True
    while True:
        job = api.get_job(service_principal_id, job_id)
        status = job["status"]
        if status["code"] == "Quarantine":
            api.sleep(poll_seconds)  # BUG 2: "it will come back"; and no timeout on this path
            continue
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
