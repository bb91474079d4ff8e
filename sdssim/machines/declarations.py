"""Declarative specs of the five sdssim state machines.

Each spec is the plain dict a :class:`transitions.Machine` is built from:
``states`` (ordered), ``initial`` and ``transitions`` (a list of
``{"trigger", "source", "dest"[, "conditions"]}`` dicts).  Triggers are named
after the Graph method or service event that causes them.

``FINAL_TRANSITIONS`` holds pseudo-transitions that leave the machine
altogether (profile deletion removes the profile); they are not part of the
transitions Machine and end in the :data:`REMOVED` pseudo-destination.

See ``docs`` / domain reference sections 1, 2 and 5 for the behaviour.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["MACHINES", "REMOVED", "PAUSED_FROM_PREFIX", "declaration", "final_declaration"]

MACHINES: tuple[str, ...] = ("profile", "sync", "job", "schedule", "quarantine")

#: Pseudo-destination of ``profile.deletion_succeeded``: the profile is gone (404).
REMOVED = "deleted"

#: Prefix of the conditions guarding ``sync.resume``: ``paused_from_<status>``.
PAUSED_FROM_PREFIX = "paused_from_"


def _t(trigger: str, source: str | list[str], dest: str, **extra: Any) -> dict[str, Any]:
    return {"trigger": trigger, "source": source, "dest": dest, **extra}


# --- 1. profile.state -------------------------------------------------------
_PROFILE = {
    "states": ["provisioning", "provisioned", "provisioningFailed", "deleting", "deletionFailed"],
    "initial": "provisioning",
    "transitions": [
        _t("provisioning_succeeded", "provisioning", "provisioned"),
        _t("provisioning_failed", "provisioning", "provisioningFailed"),
        _t("delete", ["provisioned", "provisioningFailed", "deletionFailed"], "deleting"),
        _t("deletion_failed", "deleting", "deletionFailed"),
    ],
}

# --- 2. sync status (educationSynchronizationStatus, documented order) ------
_SYNC_STATES = [
    "paused",
    "inProgress",
    "success",
    "error",
    "validationError",
    "quarantined",
    # Wire stand-in for evolvable members; declared, never entered.
    "unknownFutureValue",
    "extracting",
    "validating",
]
#: Statuses ``pause`` can leave (and ``resume`` can return to).
_SYNC_PAUSABLE = [
    "validating",
    "extracting",
    "inProgress",
    "success",
    "error",
    "validationError",
    "quarantined",
]
_SYNC = {
    "states": _SYNC_STATES,
    "initial": "paused",
    "transitions": [
        _t("start", ["paused", "success", "error", "validationError"], "validating"),
        _t("validation_failed", "validating", "validationError"),
        _t("validation_passed", "validating", "extracting"),
        _t("extraction_completed", "extracting", "inProgress"),
        _t("sync_succeeded", "inProgress", "success"),
        _t("sync_failed", "inProgress", "error"),
        _t("error_threshold_exceeded", "inProgress", "quarantined"),
        _t("pause", list(_SYNC_PAUSABLE), "paused"),
        *[
            _t("resume", "paused", status, conditions=[PAUSED_FROM_PREFIX + status])
            for status in _SYNC_PAUSABLE
        ],
        _t("reset", [s for s in _SYNC_STATES if s != "unknownFutureValue"], "validating"),
    ],
}

# --- 3. job status.code -----------------------------------------------------
_JOB = {
    "states": ["NotConfigured", "NotRun", "Active", "Paused", "Quarantine"],
    "initial": "NotConfigured",
    "transitions": [
        _t("apply", "NotConfigured", "NotRun"),
        _t("validate_credentials_succeeded", "NotConfigured", "NotRun"),
        _t("start", ["NotConfigured", "NotRun", "Paused", "Quarantine", "Active"], "Active"),
        _t("pause", ["NotRun", "Active", "Quarantine", "Paused"], "Paused"),
        _t("stop", ["Active", "Paused", "Quarantine", "NotRun"], "NotRun"),
        _t("restart", ["NotConfigured", "NotRun", "Active", "Paused"], "Active"),
        # restart without the QuarantineState scope keeps a quarantine in effect
        _t("restart_quarantined", ["NotRun", "Paused", "Quarantine"], "Quarantine"),
        # successful retry, or restart with QuarantineState
        _t("lift_quarantine", "Quarantine", "Active"),
        _t("quarantine", "Active", "Quarantine"),
        _t("quarantine", "Quarantine", "Quarantine"),
        _t("escrows_pruned", "Active", "Paused"),
    ],
}

# --- 4. job schedule.state --------------------------------------------------
_SCHEDULE = {
    "states": ["Active", "Disabled", "Paused"],
    "initial": "Disabled",
    "transitions": [
        _t("start", ["Disabled", "Paused", "Active"], "Active"),
        _t("restart", ["Disabled", "Paused", "Active"], "Active"),
        _t("pause", ["Active", "Paused"], "Paused"),
        _t("stop", ["Active", "Paused", "Disabled"], "Disabled"),
        # 28 days in quarantine
        _t("disable", "Active", "Disabled"),
        # schedule.expiration passed
        _t("expire", "Active", "Disabled"),
        _t("escrows_pruned", "Active", "Paused"),
    ],
}

# --- 5. quarantine escalation (+6 h, +12 h, +24 h, then daily; 28 days) -----
_RETRYING = ["retry6h", "retry12h", "retry24h", "daily"]
_QUARANTINE = {
    "states": ["healthy", "retry6h", "retry12h", "retry24h", "daily", "disabled"],
    "initial": "healthy",
    "transitions": [
        _t("cycle_failed", "healthy", "retry6h"),
        _t("cycle_failed", "retry6h", "retry12h"),
        _t("cycle_failed", "retry12h", "retry24h"),
        _t("cycle_failed", "retry24h", "daily"),
        _t("cycle_failed", "daily", "daily"),
        _t("series_expired", "daily", "disabled"),
        _t("retry_succeeded", list(_RETRYING), "healthy"),
        _t("start", [*_RETRYING, "disabled"], "healthy"),
        _t("restart_quarantine_state", [*_RETRYING, "disabled"], "healthy"),
        # restart without QuarantineState: the series goes on, retried daily again
        _t("restart", "disabled", "daily"),
    ],
}

_DECLARATIONS: dict[str, dict[str, Any]] = {
    "profile": _PROFILE,
    "sync": _SYNC,
    "job": _JOB,
    "schedule": _SCHEDULE,
    "quarantine": _QUARANTINE,
}

_FINAL: dict[str, list[dict[str, Any]]] = {
    "profile": [_t("deletion_succeeded", "deleting", REMOVED)],
    # DELETE on a job removes it at once, whatever its status code.
    "job": [_t("delete", code, REMOVED)
            for code in ("NotConfigured", "NotRun", "Active", "Paused", "Quarantine")],
}


def _check(name: str) -> None:
    if name not in _DECLARATIONS:
        raise ValueError(f"unknown machine {name!r}; valid names: {', '.join(MACHINES)}")


def declaration(name: str) -> dict[str, Any]:
    """A fresh copy of the declarative spec the transitions Machine *name* is built from."""
    _check(name)
    return copy.deepcopy(_DECLARATIONS[name])


def final_declaration(name: str) -> list[dict[str, Any]]:
    """The pseudo-transitions of *name* that leave the machine (e.g. to :data:`REMOVED`)."""
    _check(name)
    return copy.deepcopy(_FINAL.get(name, []))
