"""What a run gives back: the result, its failures, evaluated checks and log lines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from sdssim.clock import format_timestamp

from .model import Scenario

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["RunResult", "Failure", "CheckResult", "LogLine", "MISSING", "show"]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"

    def __str__(self) -> str:
        return "<missing>"


#: The actual value of a JSON path that does not exist, or of a deleted subject's field.
MISSING = _Missing()


@attrs.frozen
class Failure:
    """An expectation (or an action's outcome) that did not hold."""

    file: str
    line: int
    column: int
    time: pendulum.DateTime
    subject: str
    field: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return (f"{self.file}:{self.line}:{self.column}: {format_timestamp(self.time)} "
                f"{self.subject} {self.field}: expected {show(self.expected)}, "
                f"got {show(self.actual)}")


@attrs.frozen
class CheckResult:
    """One evaluated expectation (or expected action outcome), passed or not."""

    time: pendulum.DateTime
    subject: str  # engine subject, "profile/<id>" or "job/<id>" ("" for none)
    label: str  # as the scenario names it, "profile north-high"
    field: str
    expected: Any
    actual: Any
    passed: bool
    line: int
    column: int

    def to_json(self) -> dict[str, Any]:
        """The ``expectations.json`` item: time, subject, field, expected, actual, passed."""
        return {
            "time": format_timestamp(self.time),
            "subject": self.subject,
            "label": self.label,
            "field": self.field,
            "expected": _plain(self.expected),
            "actual": _plain(self.actual),
            "passed": self.passed,
            "line": self.line,
            "column": self.column,
        }


def _plain(value: Any) -> Any:
    return None if value is MISSING else value


@attrs.frozen
class LogLine:
    """What the runner did at one time: an action, a fault or a check."""

    time: pendulum.DateTime
    kind: str  # "action", "fault", "check"
    subject: str
    text: str
    ok: bool = True
    note: str | None = None
    #: how many records the simulation had made before this entry was performed
    seq: int = 0


@attrs.define
class RunResult:
    """The outcome of :func:`~sdssim.scenario.run`."""

    scenario: Scenario
    sim: Simulation
    seed: int
    until: pendulum.DateTime | None
    failures: list[Failure] = attrs.field(factory=list)
    #: every evaluated check, in order (``expectations.json``)
    checks: list[CheckResult] = attrs.field(factory=list)
    log: list[LogLine] = attrs.field(factory=list)
    checks_passed: int = 0
    checks_skipped: int = 0
    #: engine subject ("profile/<id>", "job/<id>") -> scenario label ("profile north-high")
    labels: dict[str, str] = attrs.field(factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def label(self, subject: str) -> str:
        """``profile/<id>`` as the scenario names it (``profile north-high``)."""
        return self.labels.get(subject, subject.replace("/", " ", 1))


def show(value: Any) -> str:
    """A value as a scenario would write it: ``'text'``, ``12``, ``true``, ``null``."""
    if value is MISSING:
        return "<missing>"
    if isinstance(value, str):
        return repr(value)
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return str(value)
