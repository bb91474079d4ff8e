"""A validated scenario, ready to run.

Every object keeps the line and column it was written at, so a run can point
a failed expectation back to its source.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pendulum

__all__ = [
    "Scenario",
    "ProfileSpec",
    "CsvSpec",
    "JobSpec",
    "Entry",
    "ActionEntry",
    "FaultEntry",
    "ExpectEntry",
    "Check",
]


@dataclass(frozen=True)
class CsvSpec:
    """Where a profile's CSV files come from: generated, a folder, inline text.

    A later source replaces a file of the same name from an earlier one.
    """

    generate: dict[str, Any] | None = None
    folder_files: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def resolve(self, seed: int) -> dict[str, str]:
        """The files to upload; generation uses ``generate.seed`` or ``seed``."""
        from .csvgen import generate_files

        out: dict[str, str] = {}
        if self.generate is not None:
            out.update(generate_files(self.generate, self.generate.get("seed", seed)))
        out.update(self.folder_files)
        out.update(self.files)
        return out


@dataclass(frozen=True)
class ProfileSpec:
    key: str
    body: dict[str, Any]
    csv: CsvSpec | None
    create: bool
    line: int


@dataclass(frozen=True)
class JobSpec:
    key: str
    service_principal: str
    body: dict[str, Any]
    objects: dict[str, int] | None
    settings: dict[str, str]
    schedule: dict[str, str] | None
    create: bool
    line: int

    def patch_body(self) -> dict[str, Any] | None:
        """The PATCH applied after creation (settings and schedule), if any."""
        body: dict[str, Any] = {}
        if self.settings:
            body["synchronizationJobSettings"] = [
                {"name": name, "value": value} for name, value in self.settings.items()
            ]
        if self.schedule:
            body["schedule"] = dict(self.schedule)
        return body or None


@dataclass(frozen=True)
class Entry:
    """One timeline entry at an absolute virtual time."""

    time: pendulum.DateTime
    line: int
    column: int
    note: str | None


@dataclass(frozen=True)
class ActionEntry(Entry):
    name: str
    profile: str | None = None
    job: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    args: tuple[Any, ...] = ()
    expect_error: int | str | None = None
    expect_messages: dict[str, int] | None = None


@dataclass(frozen=True)
class FaultEntry(Entry):
    kind: str
    profile: str | None = None
    job: str | None = None
    duration: _dt.timedelta | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """One expected value: ``name`` is a check (``sync_status``) or ``json:<path>``."""

    name: str
    expected: Any
    line: int
    column: int


@dataclass(frozen=True)
class ExpectEntry(Entry):
    subject_kind: str  # "profile" or "job"
    key: str = ""
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A loaded, validated scenario."""

    path: str
    name: str
    description: str
    seed: int
    start: pendulum.DateTime
    end: pendulum.DateTime | None
    config: dict[str, Any]
    profiles: tuple[ProfileSpec, ...]
    jobs: tuple[JobSpec, ...]
    timeline: tuple[Entry, ...]

    @property
    def base_dir(self) -> Path:
        return Path(self.path).resolve().parent

    def profile(self, key: str) -> ProfileSpec:
        return next(p for p in self.profiles if p.key == key)

    def job(self, key: str) -> JobSpec:
        return next(j for j in self.jobs if j.key == key)

    @property
    def last_time(self) -> pendulum.DateTime:
        """The time of the last timeline entry, or ``end`` if later."""
        times = [e.time for e in self.timeline]
        last = max(times) if times else self.start
        return max(last, self.end) if self.end is not None else last
