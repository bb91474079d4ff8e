"""Meaning checks of expectations: which checks a subject has, and which could never hold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pendulum

from .model import Check, ExpectEntry
from .problems import YPath

if TYPE_CHECKING:
    from .semantics import Semantics

__all__ = ["PROFILE_CHECKS", "JOB_CHECKS", "CHECK_ORDER", "check_expect"]

PROFILE_CHECKS = ("exists", "profile_state", "sync_status", "error_count", "errors_by_code", "json")
JOB_CHECKS = ("exists", "job_code", "schedule_state", "last_execution", "quarantine_reason",
              "quarantine_series_count", "quarantine_state", "error_count", "errors_by_code",
              "json")
CHECK_ORDER = ("exists", "profile_state", "sync_status", "job_code", "schedule_state",
               "last_execution", "quarantine_reason", "quarantine_series_count",
               "quarantine_state", "error_count", "errors_by_code", "json")

_RUNNING_STATUSES = {"inProgress", "extracting", "validating", "success", "error",
                     "validationError", "quarantined"}

#: codes a job cannot have while it holds a quarantine block (pausing or stopping a
#: quarantined job keeps the block until start or restart lifts it)
_NEVER_QUARANTINED = ("NotConfigured", "Active")


def check_expect(sem: Semantics, spec: dict[str, Any], path: YPath, when: pendulum.DateTime,
                 line: int, col: int, note: str | None) -> ExpectEntry | None:
    """The ``expect`` of ``timeline[...]`` at ``path``, or ``None`` when it is at fault."""
    c = sem.c
    epath = path + ("expect",)
    kinds = [k for k in ("profile", "job") if k in spec]
    if len(kinds) != 1:
        c.at_value(epath, "expect: name exactly one subject: profile or job")
        return None
    kind = kinds[0]
    if not sem.subject(spec, epath, kind, "expect"):
        return None
    allowed = PROFILE_CHECKS if kind == "profile" else JOB_CHECKS
    checks: list[Check] = []
    ok = True
    for name in CHECK_ORDER:
        if name not in spec:
            continue
        if name not in allowed:
            other = "job" if kind == "profile" else "profile"
            c.at_key(epath + (name,), f"expect: {name!r} is a {other} check, not a {kind} check")
            ok = False
            continue
        if name == "json":
            for jpath, value in spec["json"].items():
                ln, cl = c.locs.key(epath + ("json", jpath))
                checks.append(Check(f"json:{jpath}", value, ln, cl))
            continue
        if name == "errors_by_code":
            for code, value in spec[name].items():
                ln, cl = c.locs.key(epath + (name, code))
                checks.append(Check(f"errors_by_code:{code}", value, ln, cl))
            continue
        ln, cl = c.locs.key(epath + (name,))
        checks.append(Check(name, spec[name], ln, cl))
    if not ok:
        return None
    ok = _possible(sem, spec, epath, kind)
    if not ok:
        return None
    return ExpectEntry(time=when, line=line, column=col, note=note, subject_kind=kind,
                       key=spec[kind], checks=tuple(checks))


def _possible(sem: Semantics, spec: dict[str, Any], path: YPath, kind: str) -> bool:
    """Reject combinations no subject can ever be in."""
    c = sem.c
    problems_before = len(c.problems)
    checks = [k for k in spec if k not in ("profile", "job", "exists")]
    if spec.get("exists") is False and checks:
        c.at_key(path + (checks[0],), f"expect: a {kind} that does not exist has no "
                 f"{checks[0]}; drop it or expect exists: true")
    code = spec.get("job_code")
    reason_given = "quarantine_reason" in spec
    reason = spec.get("quarantine_reason")
    if code is not None and reason_given:
        if code == "Quarantine" and reason is None:
            c.at_key(path + ("quarantine_reason",), "expect: a job in Quarantine always "
                     "has a quarantine reason")
        if code in _NEVER_QUARANTINED and reason is not None:
            c.at_key(path + ("quarantine_reason",), f"expect: a job whose code is {code} "
                     "is not quarantined, so it has no quarantine reason")
    series = spec.get("quarantine_series_count")
    if series and code in _NEVER_QUARANTINED:
        c.at_key(path + ("quarantine_series_count",), f"expect: a job whose code is "
                 f"{code} has no quarantine series")
    if series and reason_given and reason is None:
        c.at_key(path + ("quarantine_series_count",), "expect: no quarantine reason "
                 "means no quarantine series")
    state = spec.get("profile_state")
    status = spec.get("sync_status")
    if state in ("provisioning", "provisioningFailed") and status in _RUNNING_STATUSES:
        c.at_key(path + ("sync_status",), f"expect: a profile in state {state} never "
                 f"synchronizes, so its sync status cannot be {status}")
    count = spec.get("error_count")
    by_code = spec.get("errors_by_code") or {}
    if count is not None and sum(by_code.values()) > count:
        c.at_key(path + ("errors_by_code",), f"expect: errors_by_code adds up to "
                 f"{sum(by_code.values()):,}, more than error_count {count:,}")
    return len(c.problems) == problems_before
