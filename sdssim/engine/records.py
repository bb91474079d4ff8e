"""What a simulation emits: event, snapshot and error records.

Records are immutable attrs values stamped with a global ``seq`` and the
virtual time in integer microseconds.  ``to_json`` gives the line written to
JSON Lines; every line has ``seq`` and ``time``.
"""

from __future__ import annotations

import attrs
import pendulum

from ..clock import format_timestamp, from_us

__all__ = ["EventRecord", "SnapshotRecord", "ErrorRecord", "Record"]


def _ts(us: int) -> str:
    return format_timestamp(from_us(us))


@attrs.frozen(slots=True)
class EventRecord:
    """A state change of one machine of one subject."""

    seq: int
    time_us: int
    subject: str
    machine: str
    from_state: str | None
    to_state: str | None
    trigger: str
    cause: str

    @property
    def time(self) -> pendulum.DateTime:
        return from_us(self.time_us)

    def to_json(self) -> dict:
        return {
            "seq": self.seq,
            "time": _ts(self.time_us),
            "type": "event",
            "subject": self.subject,
            "machine": self.machine,
            "from": self.from_state,
            "to": self.to_state,
            "trigger": self.trigger,
            "cause": self.cause,
        }


@attrs.frozen(slots=True)
class SnapshotRecord:
    """The Graph JSON of a resource right after a change."""

    seq: int
    time_us: int
    subject: str
    kind: str
    data: dict

    @property
    def time(self) -> pendulum.DateTime:
        return from_us(self.time_us)

    def to_json(self) -> dict:
        return {
            "seq": self.seq,
            "time": _ts(self.time_us),
            "type": "snapshot",
            "subject": self.subject,
            "kind": self.kind,
            "data": self.data,
        }


@attrs.frozen(slots=True)
class ErrorRecord:
    """An entry-level (profile) or execution-level (job) error, as Graph JSON."""

    seq: int
    time_us: int
    subject: str
    kind: str
    data: dict

    @property
    def time(self) -> pendulum.DateTime:
        return from_us(self.time_us)

    def to_json(self) -> dict:
        return {
            "seq": self.seq,
            "time": _ts(self.time_us),
            "type": "error",
            "subject": self.subject,
            "kind": self.kind,
            "data": self.data,
        }


Record = EventRecord | SnapshotRecord | ErrorRecord
