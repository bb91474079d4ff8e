"""The scenario model: declared subjects, timeline entries and the scenario that holds them.

One model serves every producer and consumer of scenarios: the loader builds
it from a file (every object keeps the line and column it was written at, so
a run can point a failed expectation back to its source), plans
(:mod:`sdssim.scenario.plan`) declare their subjects with the same
:class:`ProfileSpec` and :class:`JobSpec`, :func:`~sdssim.scenario.materialize.materialize`
creates them in a simulation, and the writer (:mod:`sdssim.scenario.export`)
turns them back into documents.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs
import pendulum

from .defaults import default_job_body, default_profile_body, default_service_principal

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


@attrs.frozen
class CsvSpec:
    """Where a profile's CSV files come from: generated, a folder, inline text.

    A later source replaces a file of the same name from an earlier one.
    """

    generate: dict[str, Any] | None = None
    folder_files: dict[str, str] = attrs.field(factory=dict)
    files: dict[str, str] = attrs.field(factory=dict)

    def resolve(self, seed: int) -> dict[str, str]:
        """The files to upload; generation uses ``generate.seed`` or ``seed``."""
        from .csvgen import generate_files

        out: dict[str, str] = {}
        if self.generate is not None:
            out.update(generate_files(self.generate, self.generate.get("seed", seed)))
        out.update(self.folder_files)
        out.update(self.files)
        return out


def written(first: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """``first``, then each of ``fields`` that is not ``None`` (``None``: left out), in order."""
    return {**first, **{name: value for name, value in fields.items() if value is not None}}


@attrs.frozen
class ProfileSpec:
    """A declared profile; ``create=False`` means a ``create_profile`` entry creates it.

    An empty ``body`` stands for :func:`~sdssim.scenario.defaults.default_profile_body`
    (the loader fills it in; plans may leave it out).
    """

    key: str
    body: dict[str, Any] = attrs.field(factory=dict)
    csv: CsvSpec | None = None
    create: bool = True
    line: int = 0

    def create_body(self) -> dict[str, Any]:
        return self.body or default_profile_body(self.key)

    def to_document(self) -> dict[str, Any]:
        """The declaration as written in a scenario's ``profiles`` list."""
        csv = None
        if self.csv is not None:
            files = {**self.csv.folder_files, **self.csv.files}
            csv = written({}, generate=self.csv.generate, files=files or None)
        return written({"key": self.key}, body=self.body or None, csv=csv,
                       create=None if self.create else False)


@attrs.frozen
class JobSpec:
    """A declared provisioning job; ``objects`` maps object type to its count in the source.

    An empty ``service_principal`` or ``body`` stands for the defaults in
    :mod:`sdssim.scenario.defaults` (the loader fills them in; plans may leave them out).
    """

    key: str
    service_principal: str = ""
    body: dict[str, Any] = attrs.field(factory=dict)
    objects: dict[str, int] | None = None
    settings: dict[str, str] = attrs.field(factory=dict)
    schedule: dict[str, str] | None = None
    create: bool = True
    line: int = 0

    @property
    def sp(self) -> str:
        """The service principal the job belongs to."""
        return self.service_principal or default_service_principal(self.key)

    def create_body(self) -> dict[str, Any]:
        return self.body or default_job_body(self.key)

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

    def to_document(self) -> dict[str, Any]:
        """The declaration as written in a scenario's ``jobs`` list."""
        return written({"key": self.key}, service_principal=self.service_principal or None,
                       body=self.body or None,
                       objects=None if self.objects is None else dict(self.objects),
                       settings=dict(self.settings) or None,
                       schedule=None if self.schedule is None else dict(self.schedule),
                       create=None if self.create else False)


@attrs.frozen
class Entry:
    """One timeline entry at an absolute virtual time."""

    time: pendulum.DateTime
    line: int
    column: int
    note: str | None


@attrs.frozen
class ActionEntry(Entry):
    name: str
    profile: str | None = None
    job: str | None = None
    kwargs: dict[str, Any] = attrs.field(factory=dict)
    args: tuple[Any, ...] = ()
    expect_error: int | str | None = None
    expect_messages: dict[str, int] | None = None


@attrs.frozen
class FaultEntry(Entry):
    kind: str
    profile: str | None = None
    job: str | None = None
    duration: _dt.timedelta | None = None
    params: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Check:
    """One expected value: ``name`` is a check (``sync_status``) or ``json:<path>``."""

    name: str
    expected: Any
    line: int
    column: int


@attrs.frozen
class ExpectEntry(Entry):
    subject_kind: str  # "profile" or "job"
    key: str = ""
    checks: tuple[Check, ...] = ()


@attrs.frozen
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
