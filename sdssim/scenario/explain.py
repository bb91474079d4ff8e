"""Plain-English narration of a scenario run, for teaching.

:func:`narrate` walks the run's event records (grouped by time and subject)
together with the runner's own log (actions, faults, checks) and explains
each change with the ``cause`` the engine recorded, e.g.::

    09:40 job hr-sync entered quarantine (EncounteredEscrowProportionThreshold):
          6,120 of 12,000 entries failed, above the 40% threshold; next attempt 15:40

:func:`timeline` gives the compact one-line-per-change summary ``sdssim run``
prints.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import heapq
import re
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import pendulum

from sdssim.clock import NEVER_TEXT, format_timestamp, parse_timestamp

from .results import LogLine, RunResult

__all__ = ["narrate", "timeline", "timeline_of", "Line", "clock_text", "stamp"]


@attrs.frozen
class Line:
    """One line of a summary or narration."""

    time: pendulum.DateTime
    kind: str  # "event", "action", "fault", "check", "day"
    subject: str
    text: str
    ok: bool = True


_PHRASES: dict[tuple[str, str | None], str] = {
    ("profile", "provisioning"): "was created and is being provisioned",
    ("profile", "provisioned"): "is provisioned and ready",
    ("profile", "provisioningFailed"): "failed to provision",
    ("profile", "deleting"): "is being deleted",
    ("profile", "deleted"): "is gone: deletion completed",
    ("profile", None): "is gone: deletion completed",
    ("job", "deleted"): "was deleted",
    ("profile", "deletionFailed"): "could not be deleted (delete may be retried)",
    ("sync", "paused"): "sync is paused",
    ("sync", "validating"): "began validating its source data",
    ("sync", "extracting"): "passed validation and began extracting",
    ("sync", "inProgress"): "began synchronizing with Microsoft Entra ID",
    ("sync", "success"): "finished its sync successfully",
    ("sync", "error"): "finished its sync with errors",
    ("sync", "validationError"): "failed validation",
    ("sync", "quarantined"): "was quarantined",
    ("job", "NotConfigured"): "was added (status NotConfigured)",
    ("job", "NotRun"): "is configured but not running (NotRun)",
    ("job", "Active"): "is active",
    ("job", "Paused"): "is paused",
    ("job", "Quarantine"): "entered quarantine",
    ("job", None): "was deleted",
    ("schedule", "Active"): "its schedule is active",
    ("schedule", "Disabled"): "its schedule is disabled",
    ("schedule", "Paused"): "its schedule is paused",
    ("quarantine", "healthy"): "is out of quarantine",
    ("quarantine", "retry6h"): "will retry 6 hours after the first failure",
    ("quarantine", "retry12h"): "will retry 12 hours after the first failure",
    ("quarantine", "retry24h"): "will retry 24 hours after the first failure",
    ("quarantine", "daily"): "now retries once a day",
    ("quarantine", "disabled"): "was disabled after four weeks in quarantine",
}
#: machine order of importance: the sentence leads with the first one present
_PRIMARY = ("job", "profile", "sync", "quarantine", "schedule")
_QUARANTINED_SUFFIX = re.compile(r"; quarantined \([A-Za-z]+\)$")


def clock_text(when: pendulum.DateTime) -> str:
    """``09:40``, or ``09:40:12`` when the seconds matter."""
    return when.strftime("%H:%M:%S" if when.second or when.microsecond else "%H:%M")


def _day_text(when: pendulum.DateTime) -> str:
    return when.strftime("%A %d %B %Y").replace(" 0", " ")


def _reason(cause: str) -> str:
    kind, _, text = cause.partition(": ")
    if kind == "api":
        return f"requested by the client ({text})"
    if kind == "fault":
        return f"injected fault, {text}"
    if kind == "rule":
        return text
    return cause


def _groups(result: RunResult) -> Iterator[list[Any]]:
    """Events grouped by (time, subject) while consecutive and not split by an entry."""
    marks = sorted({line.seq for line in result.log})
    group: list[Any] = []
    segment = -1
    for event in result.sim.events:
        seg = bisect.bisect_left(marks, event.seq)
        api = event.cause.startswith("api:")
        if group and (event.time_us != group[0].time_us or event.subject != group[0].subject
                      or seg != segment or api != group[-1].cause.startswith("api:")):
            yield group
            group = []
        group.append(event)
        segment = seg
    if group:
        yield group


def _snapshot_after(result: RunResult, event: Any) -> dict[str, Any] | None:
    """The subject's Graph JSON as snapshotted right after ``event``."""
    state = result.sim.state_at(event.subject, event.time)
    if not state:
        return None
    snaps = state.get("snapshot", {})
    return snaps.get("job") or snaps.get("profileStatus")


def _sentence(result: RunResult, group: list[Any]) -> str:
    machines = {e.machine: e for e in group}
    created = all(e.from_state is None and e.trigger == "create" for e in group)
    phrases: list[str] = []
    ordered = sorted(group, key=lambda e: _PRIMARY.index(e.machine)
                     if e.machine in _PRIMARY else len(_PRIMARY))
    for event in ordered:
        if created and event.machine == "quarantine":
            continue
        if event.machine == "job" and event.trigger in ("restart", "restart_quarantined"):
            phrases.append("restarted but stays in quarantine"
                           if event.to_state == "Quarantine" else "restarted")
            continue
        if event.from_state == event.to_state:
            if event.machine == "job" and event.to_state == "Quarantine":
                phrases.append("stays in quarantine: the retry failed")
            elif event.machine == "quarantine" and event.to_state == "daily":
                phrases.append("retries once a day")
            continue
        phrase = _PHRASES.get((event.machine, event.to_state))
        if phrase is None:
            phrase = f"{event.machine} is now {event.to_state}"
        if event.machine == "job" and event.to_state == "Quarantine":
            snap = _snapshot_after(result, event) or {}
            reason = ((snap.get("status") or {}).get("quarantine") or {}).get("reason")
            if reason:
                phrase = f"{phrase} ({reason})"
        if event.machine == "job" and event.from_state == "Quarantine" \
                and event.to_state == "Active":
            phrase = "left quarantine and is active again"
        if event.machine == "quarantine" and event.to_state == "healthy" \
                and "job" in machines:
            continue  # said by the job's own phrase
        phrases.append(phrase)
    causes = [e.cause for e in ordered if not e.cause.startswith("api:")] or \
        [e.cause for e in ordered]
    reason = _reason(_QUARANTINED_SUFFIX.sub("", causes[0])) if causes else ""
    text = f"{result.label(group[0].subject)} {', '.join(dict.fromkeys(phrases))}"
    if reason:
        text += f": {reason}"
    job = next((e for e in group if e.machine == "job" and e.trigger == "quarantine"), None)
    if job is not None:
        snap = _snapshot_after(result, job) or {}
        nxt = ((snap.get("status") or {}).get("quarantine") or {}).get("nextAttempt")
        if nxt and nxt != NEVER_TEXT:
            when = parse_timestamp(nxt)
            same_day = when.date() == job.time.date()
            text += f"; next attempt {clock_text(when) if same_day else _short(when)}"
        elif machines.get("schedule") is not None or machines.get("quarantine") is not None:
            text += "; no further attempts"
    return text


def _short(when: pendulum.DateTime) -> str:
    return when.strftime("%a %d %b ").replace(" 0", " ") + clock_text(when)


def _ordered(result: RunResult, grouped: bool = True
             ) -> list[tuple[pendulum.DateTime, float, str, Any]]:
    """Event groups and log lines in time order (an entry's own line before its effects)."""
    items: list[tuple[pendulum.DateTime, float, str, Any]] = []
    groups = _groups(result) if grouped else ([e] for e in result.sim.events)
    for group in groups:
        items.append((group[0].time, float(group[0].seq), "events", group))
    for line in result.log:
        items.append((line.time, line.seq + 0.5, "log", line))
    items.sort(key=lambda item: (item[0], item[1]))
    return items


def narrate(result: RunResult) -> list[Line]:
    """The run told as a story, one sentence per change, action, fault and check."""
    out: list[Line] = []
    day = None
    for when, _seq, kind, item in _ordered(result):
        if when.date() != day:
            day = when.date()
            out.append(Line(when, "day", "", _day_text(when)))
        if kind == "events":
            out.append(Line(when, "event", result.label(item[0].subject),
                            _sentence(result, item)))
        else:
            out.append(_log_sentence(item))
    return out


def _log_sentence(line: LogLine) -> Line:
    note = f" — {line.note}" if line.note else ""
    if line.kind == "action":
        name, _, rest = line.text.partition(" ")
        text = f"the client called {name} on {line.subject}"
        if rest.startswith("refused"):
            text += f"; it was {rest}"
        elif rest:
            text += f" {rest}"
    elif line.kind == "fault":
        text = f"{line.text.replace('fault ', 'fault injected: ', 1)} on {line.subject}"
    else:
        mark = "holds" if line.ok else "FAILS"
        text = f"check {mark}: {line.subject} {line.text}"
    return Line(line.time, line.kind, line.subject, text + note, line.ok)


def timeline(result: RunResult) -> list[Line]:
    """The compact summary: every state change (from → to, trigger) and every entry."""
    out: list[Line] = []
    for when, _seq, kind, item in _ordered(result, grouped=False):
        if kind == "events":
            for event in item:
                out.append(_change(when, result.label(event.subject), event.machine,
                                   event.from_state, event.to_state, event.trigger))
        else:
            out.append(_entry_line(item))
    return out


def timeline_of(result: RunResult, events: Iterable[dict[str, Any]]) -> Iterator[Line]:
    """:func:`timeline` of a run that streamed its records instead of keeping them.

    ``events`` are the run's event records as JSON objects, in order (``events.jsonl``
    read back); they are merged with the runner's log as :func:`timeline` orders them,
    one line at a time.
    """
    label = result.label

    def changes() -> Iterator[tuple[float, int, Line]]:
        text = when = None  # records at one instant come together: read each time once
        for event in events:
            if event["time"] != text:
                text = event["time"]
                when = _wire_time(text)
            yield event["seq"], 0, _change(when, label(event["subject"]), event["machine"],
                                           event["from"], event["to"], event["trigger"])

    def entries() -> Iterator[tuple[float, int, Line]]:
        for n, line in enumerate(result.log):
            yield line.seq + 0.5, n, _entry_line(line)

    # Ordered as :func:`timeline` orders them, by (time, seq), which here is by seq alone:
    # a log line's seq counts the records made before its entry was performed, so every
    # record before it in seq is no later in time, and every record after it no earlier.
    # (An event's seq is whole and a log line's ends in .5: they never tie; log lines of
    # one seq keep their order by n.)
    for _seq, _n, line in heapq.merge(changes(), entries()):
        yield line


def _change(when: Any, subject: str, machine: str, src: str | None, dst: str | None,
            trigger: str) -> Line:
    src = src if src is not None else "·"
    dst = dst if dst is not None else "(removed)"
    return Line(when, "event", subject, f"{machine}: {src} → {dst}  [{trigger}]")


def _entry_line(item: LogLine) -> Line:
    note = f"  # {item.note}" if item.note else ""
    return Line(item.time, item.kind, item.subject, item.text + note, item.ok)


def _wire_time(text: str) -> _dt.datetime:
    """A record's ``time`` (``2026-09-01T08:00:00Z``, ``…:00.25Z``) as a UTC datetime."""
    seconds, _, fraction = text[:-1].partition(".")
    return _dt.datetime(int(seconds[0:4]), int(seconds[5:7]), int(seconds[8:10]),
                        int(seconds[11:13]), int(seconds[14:16]), int(seconds[17:19]),
                        int(fraction.ljust(6, "0")) if fraction else 0, tzinfo=_dt.timezone.utc)


def stamp(when: pendulum.DateTime) -> str:
    """``2026-09-01 08:40`` (seconds when they matter)."""
    return format_timestamp(when)[:10] + " " + clock_text(when)
