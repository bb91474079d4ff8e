"""What a simulation emits: event, snapshot and error records.

Records are immutable attrs values stamped with a global ``seq`` and the
virtual time in integer microseconds.  ``to_json`` gives the line written to
JSON Lines; every line has ``seq``, ``time``, ``type`` and ``subject``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Protocol

import attrs
import pendulum

from ..clock import format_us, from_us
from ..models import GraphResource

__all__ = ["EventRecord", "SnapshotRecord", "ErrorRecord", "Record", "View", "ModelView"]

#: ``json.dumps(value, sort_keys=True, separators=(",", ":"))``, the encoder made once
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
#: a string as JSON text (ASCII, escaped), as that encoder writes it
_string = json.encoder.encode_basestring_ascii


@attrs.frozen(slots=True)
class _Record:
    seq: int
    time_us: int
    subject: str

    #: the record's ``type`` in JSON, and its own fields as (attribute, JSON key)
    TYPE: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[tuple[str, str], ...]] = ()

    @property
    def time(self) -> pendulum.DateTime:
        return from_us(self.time_us)

    def to_json(self) -> dict[str, Any]:
        out = {"seq": self.seq, "time": format_us(self.time_us),
               "type": self.TYPE, "subject": self.subject}
        for attr, key in self.FIELDS:
            out[key] = getattr(self, attr)
        return out

    def to_line(self) -> str:
        """The record's line in its JSON Lines file (without the newline): ``to_json()``
        as compact, key-sorted JSON, ``json.dumps(..., sort_keys=True, separators=(",",
        ":"))``, so the same records are the same bytes."""
        return _encode(self.to_json())


@attrs.frozen(slots=True)
class EventRecord(_Record):
    """A state change of one machine of one subject."""

    machine: str
    from_state: str | None
    to_state: str | None
    trigger: str
    cause: str

    TYPE = "event"
    FIELDS = (("machine", "machine"), ("from_state", "from"), ("to_state", "to"),
              ("trigger", "trigger"), ("cause", "cause"))

    def to_line(self) -> str:
        """:meth:`_Record.to_line`, written directly: a run writes an event line per state
        change, and this is a third of the time of encoding the dict
        (``tests/engine/test_records.py`` holds the two equal)."""
        src, dst = self.from_state, self.to_state
        return (f'{{"cause":{_string(self.cause)},'
                f'"from":{"null" if src is None else _string(src)},'
                f'"machine":{_string(self.machine)},"seq":{self.seq},'
                f'"subject":{_string(self.subject)},"time":"{format_us(self.time_us)}",'
                f'"to":{"null" if dst is None else _string(dst)},'
                f'"trigger":{_string(self.trigger)},"type":"event"}}')


class View(Protocol):
    """A resource frozen at one instant, rendered to Graph JSON only when read."""

    def render(self) -> dict[str, Any]: ...


@attrs.frozen(slots=True)
class ModelView:
    """A :class:`View` over an immutable Graph model (attrs, frozen): JSON on demand."""

    model: GraphResource

    def render(self) -> dict[str, Any]:
        return self.model.to_json(include_unknown_enum_members=True)


@attrs.frozen(slots=True)
class SnapshotRecord(_Record):
    """The Graph JSON of a resource right after a change.

    ``source`` is that JSON, or a compact :class:`View` of the resource that
    renders it on demand: a simulation keeping a million snapshots holds views
    (a few hundred bytes each), and JSON is made only for the records somebody
    reads or writes.  ``data`` is the JSON either way; each read of a view's
    ``data`` gives a fresh dict.
    """

    kind: str
    source: dict[str, Any] | View

    TYPE = "snapshot"
    FIELDS = (("kind", "kind"), ("data", "data"))

    @property
    def data(self) -> dict[str, Any]:
        source = self.source
        return source if type(source) is dict else source.render()  # type: ignore[union-attr]


@attrs.frozen(slots=True)
class ErrorRecord(_Record):
    """An entry-level (profile) or execution-level (job) error, as Graph JSON."""

    kind: str
    data: dict[str, Any]

    TYPE = "error"
    FIELDS = (("kind", "kind"), ("data", "data"))


Record = EventRecord | SnapshotRecord | ErrorRecord
