"""What a scenario run that streams its records keeps of them (``sdssim run``).

A simulation that keeps no records hands each one to :class:`Tap` on its way
to the writer: the tap counts them (the runner orders entries among records
by that count) and keeps the error codes of the jobs whose errors an
expectation counts (:func:`error_checked`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sdssim.engine.records import ErrorRecord, Record

from .model import ExpectEntry, Scenario

__all__ = ["Tap", "error_checked"]


class Tap:
    """Between a simulation that keeps no records and their consumer: counts the records
    (entries are ordered among them by that count) and keeps the error codes of the
    watched job subjects (what ``error_count`` and ``errors_by_code`` read)."""

    __slots__ = ("out", "count", "codes")

    def __init__(self, out: Callable[[Record], None] | None) -> None:
        self.out = out
        self.count = 0
        #: watched subject -> the ``code`` of each of its error records, in order
        self.codes: dict[str, list[Any]] = {}

    def __call__(self, record: Record) -> None:
        self.count += 1
        if isinstance(record, ErrorRecord):
            codes = self.codes.get(record.subject)
            if codes is not None:
                codes.append(record.data.get("code"))
        if self.out is not None:
            self.out(record)

    def watch(self, subject: str) -> None:
        self.codes.setdefault(subject, [])


def error_checked(scenario: Scenario) -> frozenset[str]:
    """The keys of the jobs whose errors an expectation counts."""
    return frozenset(
        entry.key for entry in scenario.timeline
        if isinstance(entry, ExpectEntry) and entry.subject_kind == "job"
        and any(c.name == "error_count" or c.name.startswith("errors_by_code:")
                for c in entry.checks))
