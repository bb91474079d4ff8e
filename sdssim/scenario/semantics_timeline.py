"""Meaning checks of the timeline: entry times, actions and faults.

Expectations are checked in ``semantics_expect``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pendulum

from sdssim.clock import format_timestamp, parse_duration
from sdssim.engine import Simulation
from sdssim.engine.faults import (
    JOB_ONLY_FAULTS,
    PROFILE_ONLY_FAULTS,
    UNTARGETED_FAULTS,
    check_params,
)
from sdssim.errors import ModelError

from .model import ActionEntry, Entry, FaultEntry
from .problems import YPath, suggest
from .semantics_expect import check_expect
from .semantics_graph import model_check
from .semantics_groups import each_job
from .times import check_horizon, parse_time

if TYPE_CHECKING:
    from .semantics import Semantics

__all__ = ["ACTIONS", "NOT_ACTIONS", "check_timeline"]

#: action name -> (subject kind or None, extra fields it accepts)
ACTIONS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    # profiles
    "create_profile": ("profile", ("body",)),
    "get_profile": ("profile", ()),
    "delete_profile": ("profile", ()),
    "pause_profile": ("profile", ()),
    "resume_profile": ("profile", ()),
    "reset_profile": ("profile", ()),
    "get_upload_url": ("profile", ()),
    "upload_files": ("profile", ("files",)),
    "start_profile": ("profile", ()),
    "get_profile_status": ("profile", ()),
    "list_errors": ("profile", ()),
    "create_error": ("profile", ("body",)),
    "list_profiles": (None, ()),
    # jobs
    "create_job": ("job", ("body",)),
    "get_job": ("job", ()),
    "update_job": ("job", ("body",)),
    "delete_job": ("job", ()),
    "start_job": ("job", ()),
    "pause_job": ("job", ()),
    "stop_job": ("job", ()),
    "apply_job": ("job", ()),
    "restart_job": ("job", ("reset_scope",)),
    "validate_credentials": ("job", ("body",)),
    "get_job_schema": ("job", ()),
    "list_jobs": ("job", ()),
}

#: Simulation members a timeline may not call (time moves with ``at``; faults have entries).
NOT_ACTIONS = frozenset({
    "advance", "run_until", "step", "next_event_time", "records", "state_at", "add_fault",
    "now", "seed", "config", "events", "snapshots", "errors",
})



def check_timeline(sem: Semantics, entries: list[tuple[int, Any]], start: pendulum.DateTime
                   ) -> list[Entry | None]:
    """Every entry at its absolute time (``None`` where an entry is at fault)."""
    c = sem.c
    out: list[Entry | None] = []
    previous = start
    for index, entry in entries:
        path: YPath = ("timeline", index)
        if not isinstance(entry, dict) or not isinstance(entry.get("at"), str) \
                or sem.bad(path + ("at",)):
            continue
        try:
            when = parse_time(entry["at"], previous)
            check_horizon(when, start)
        except ValueError as exc:
            c.at_value(path + ("at",), f"timeline[{index}].at: {exc}")
            when = previous  # check the rest of the entry all the same
        if when < start:
            c.at_value(path + ("at",), f"timeline[{index}].at: {entry['at']} is before "
                       f"the scenario start {format_timestamp(start)}")
        elif when < previous:
            c.at_value(path + ("at",), f"timeline[{index}].at: {entry['at']} is before "
                       f"the previous entry ({format_timestamp(previous)}); entries run in order")
        elif when == previous:
            when = previous  # one time object for the many entries of one instant
        else:
            previous = when
        if sem.bad(path):  # the schema reported it; only its time counted
            continue
        line, col = c.locs.value(path)
        note = entry.get("note")
        if "action" in entry:
            made: Entry | None = _action(sem, entry, path, when, line, col, note)
        elif "fault" in entry:
            made = _fault(sem, entry, path, when, line, col, note)
        else:
            made = check_expect(sem, entry["expect"], path, when, line, col, note)
        out.extend(each_job(sem, made, path))
    return out


def _action(sem: Semantics, entry: dict[str, Any], path: YPath, when: pendulum.DateTime,
            line: int, col: int, note: str | None) -> ActionEntry | None:
    c = sem.c
    name = entry["action"]
    extras_all = ("body", "files", "reset_scope")
    if name in ACTIONS:
        want, extras = ACTIONS[name]
    else:
        member = getattr(Simulation, name, None)
        if name.startswith("_") or name in NOT_ACTIONS or not callable(member):
            hint = suggest(name, list(ACTIONS))
            why = {
                "advance": " (time moves with 'at')", "run_until": " (time moves with 'at')",
                "add_fault": " (use a 'fault' entry)",
            }.get(name, "")
            c.at_value(path + ("action",),
                       f"action: {name!r} is not a Simulation method{why}{hint}")
            return None
        want, extras = None, ()
    ok = True
    if want is not None or "profile" in entry or "job" in entry:
        ok = sem.subject(entry, path, want, f"action {name!r}")
    for field in extras_all:
        if field in entry and field not in extras:
            c.at_key(path + (field,), f"action {name!r} does not take {field!r}")
            ok = False
    if name in ("update_job", "create_error") and "body" not in entry:
        c.at_value(path, f"action {name!r} needs a body")
        ok = False
    if ok and want is not None:
        ok = sem.creation(name, entry[want], want, path)
    if "body" in entry and name in ("update_job",):
        model_check(c, entry["body"], path + ("body",), "job")
    if name == "create_profile" and "body" in entry:
        model_check(c, entry["body"], path + ("body",), "profile")
    if name == "upload_files" and "files" not in entry and ok:
        key = entry.get("profile")
        spec = sem.profile_keys.get(key, {}) if isinstance(key, str) else {}
        if "csv" not in spec:
            c.at_value(path, f"action 'upload_files': profile {entry.get('profile')!r} "
                       "declares no csv, so the entry needs files")
            ok = False
    kwargs: dict[str, Any] = {}
    if "reset_scope" in entry:
        from sdssim.models import parse_reset_scope

        try:
            parse_reset_scope(entry["reset_scope"])
        except ModelError as exc:
            c.at_value(path + ("reset_scope",), f"reset_scope: {exc.message}")
            ok = False
        kwargs["reset_scope"] = entry["reset_scope"]
    if "expect_messages" in entry and name != "start_profile":
        c.at_key(path + ("expect_messages",), "expect_messages applies to start_profile only")
        ok = False
    if isinstance(entry.get("expect_error"), int) and not 400 <= entry["expect_error"] <= 599:
        ok = False  # the schema reported it
    for field in ("body", "files"):
        if field in entry:
            kwargs[field] = entry[field]
    kwargs.update(entry.get("kwargs") or {})
    if not ok:
        return None
    return ActionEntry(
        time=when, line=line, column=col, note=note, name=name,
        profile=entry.get("profile"), job=entry.get("job"), kwargs=sem.shared(kwargs),
        args=tuple(entry.get("args") or ()), expect_error=entry.get("expect_error"),
        expect_messages=entry.get("expect_messages"),
    )


def _fault(sem: Semantics, entry: dict[str, Any], path: YPath, when: pendulum.DateTime,
           line: int, col: int, note: str | None) -> FaultEntry | None:
    c = sem.c
    kind = entry["fault"]
    ok = sem.subject(entry, path, None, f"fault {kind!r}")
    for subject in ("profile", "job"):
        if ok and subject in entry:
            ok = sem.creation("fault", entry[subject], subject, path)
    if "profile" in entry and kind in JOB_ONLY_FAULTS:
        c.at_key(path + ("profile",), f"fault {kind!r} applies to jobs, not profiles")
        ok = False
    if "job" in entry and kind in PROFILE_ONLY_FAULTS:
        c.at_key(path + ("job",), f"fault {kind!r} applies to profiles, not jobs")
        ok = False
    if kind in UNTARGETED_FAULTS and ("job" in entry or "profile" in entry):
        c.at_value(path + ("fault",), f"fault {kind!r} applies to API calls and takes "
                   "no profile or job")
        ok = False
    duration = None
    if "duration" in entry:
        try:
            duration = parse_duration(entry["duration"])
            if duration.total_seconds() <= 0:
                raise ValueError("a fault's duration must be positive")
            try:
                check_horizon(when + duration, sem.start)
            except OverflowError:
                raise ValueError("the fault would end past year 9999") from None
        except ValueError as exc:
            c.at_value(path + ("duration",), f"duration: {exc}")
            ok = False
    params = dict(entry.get("params") or {})
    try:
        check_params(kind, params)
    except ValueError as exc:
        message = getattr(exc, "message", str(exc))
        bad = next((k for k in params if repr(k) in message), None)
        where = path + ("params", bad) if bad is not None else path + ("params",)
        c.at_value(where if "params" in entry else path + ("fault",), f"params: {message}")
        ok = False
    if not ok:
        return None
    return FaultEntry(time=when, line=line, column=col, note=note, kind=kind,
                      profile=entry.get("profile"), job=entry.get("job"),
                      duration=duration, params=params)
