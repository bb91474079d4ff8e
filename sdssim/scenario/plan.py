"""Plans: a scenario built in memory, its timeline as offsets from the start.

A :class:`Plan` declares its subjects with the scenario model's own
:class:`~sdssim.scenario.model.ProfileSpec` and :class:`~sdssim.scenario.model.JobSpec`
and names them by *key* (``north-high``), never by the ids the simulation hands
out, so a plan can be generated before anything runs, run with :func:`run_plan`,
and written as a scenario document with :meth:`Plan.to_document` (which
:func:`~sdssim.scenario.load_string` reads back).  :func:`run_plan` follows the
scenario runner's rules: declared subjects are created by the same
:func:`~sdssim.scenario.materialize.materialize`, each timeline entry runs once
every event due at its time has run (even one scheduled for that instant by the
entry before), refused calls are answered (not raised), and ``upload_files``
first asks for an upload URL.  So the same plan gives the same records either way.

Nothing here needs Hypothesis: :mod:`sdssim.testing.strategies` generates plans.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from sdssim.clock import (
    DEFAULT_START,
    format_duration,
    format_timestamp,
    parse_duration,
    parse_timestamp,
)
from sdssim.engine import SimConfig, Simulation
from sdssim.errors import GraphError

from .materialize import Subjects, materialize
from .model import JobSpec, ProfileSpec, written

__all__ = [
    "Call",
    "Fault",
    "Expect",
    "Step",
    "Plan",
    "PlanRun",
    "run_plan",
    "PROFILE_CALLS",
    "JOB_CALLS",
    "as_offset",
    "offset_text",
    "freeze",
]

#: Simulation methods that act on one profile (the first argument is its id)
PROFILE_CALLS = (
    "create_profile", "get_profile", "delete_profile", "pause_profile", "resume_profile",
    "reset_profile", "get_upload_url", "upload_files", "start_profile", "get_profile_status",
    "list_errors", "create_error",
)
#: Simulation methods that act on one job (the first arguments are its service principal and id)
JOB_CALLS = (
    "create_job", "get_job", "update_job", "delete_job", "start_job", "pause_job", "stop_job",
    "apply_job", "restart_job", "validate_credentials", "get_job_schema",
)


@attrs.frozen
class Call:
    """One API call: a Simulation method on a profile or job key, with its extra arguments."""

    method: str
    profile: str | None = None
    job: str | None = None
    body: dict[str, Any] | None = None
    files: dict[str, str] | None = None
    reset_scope: str | None = None
    #: the HTTP status the call is expected to be refused with (written as ``expect_error``)
    expect_error: int | None = None

    def to_entry(self) -> dict[str, Any]:
        return written({"action": self.method}, profile=self.profile, job=self.job,
                        body=self.body, files=self.files, reset_scope=self.reset_scope,
                        expect_error=self.expect_error)


@attrs.frozen
class Fault:
    """A fault starting at its entry's time, for ``duration`` (ISO 8601; ``None``: to the end)."""

    kind: str
    profile: str | None = None
    job: str | None = None
    duration: str | None = None
    params: dict[str, Any] = attrs.field(factory=dict)

    def to_entry(self) -> dict[str, Any]:
        return written({"fault": self.kind}, profile=self.profile, job=self.job,
                        duration=self.duration, params=dict(self.params) if self.params else None)


@attrs.frozen
class Expect:
    """An expectation about one subject (``kind`` is ``profile`` or ``job``); not run by plans."""

    kind: str
    key: str
    checks: dict[str, Any]

    def to_entry(self) -> dict[str, Any]:
        return {"expect": {self.kind: self.key, **self.checks}}


Step = Call | Fault | Expect


def _offset_us(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    d = parse_duration(value)
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


@attrs.frozen
class Plan:
    """Declared subjects and a timeline of ``(offset_us, step)`` from the start, in order."""

    seed: int = 0
    start: str = DEFAULT_START
    config: dict[str, Any] = attrs.field(factory=dict)
    profiles: tuple[ProfileSpec, ...] = ()
    jobs: tuple[JobSpec, ...] = ()
    timeline: tuple[tuple[int, Step], ...] = ()
    #: run on until this offset after the start (``None``: stop at the last entry)
    end_us: int | None = None
    name: str = "generated"
    description: str = ""

    def __attrs_post_init__(self) -> None:
        offsets = [t for t, _ in self.timeline]
        if any(t < 0 for t in offsets) or offsets != sorted(offsets):
            raise ValueError("timeline offsets must be non-negative and in order")

    @staticmethod
    def merge(*timelines: Sequence[tuple[int, Step]]) -> tuple[tuple[int, Step], ...]:
        """Several timelines as one, ordered by offset (earlier arguments first on ties)."""
        tagged = [(t, i, n, step) for i, tl in enumerate(timelines) for n, (t, step) in enumerate(tl)]
        return tuple((t, step) for t, _i, _n, step in sorted(tagged, key=lambda x: x[:3]))

    @property
    def start_time(self):
        return parse_timestamp(self.start)

    def sim_config(self) -> SimConfig:
        return SimConfig(**self.config)

    def profile(self, key: str) -> ProfileSpec:
        return next(p for p in self.profiles if p.key == key)

    def job(self, key: str) -> JobSpec:
        return next(j for j in self.jobs if j.key == key)

    def to_document(self) -> dict[str, Any]:
        """The plan as a scenario document (plain data; dump it as YAML or JSON)."""
        start = self.start_time
        doc: dict[str, Any] = {"name": self.name}
        if self.description:
            doc["description"] = self.description
        doc["seed"] = self.seed
        doc["start"] = format_timestamp(start)
        if self.config:
            doc["config"] = dict(self.config)
        if self.profiles:
            doc["profiles"] = [p.to_document() for p in self.profiles]
        if self.jobs:
            doc["jobs"] = [j.to_document() for j in self.jobs]
        doc["timeline"] = [
            {"at": format_timestamp(start + _dt.timedelta(microseconds=t)), **step.to_entry()}
            for t, step in self.timeline
        ]
        if self.end_us is not None and (not self.timeline or self.end_us > self.timeline[-1][0]):
            doc["end"] = format_timestamp(start + _dt.timedelta(microseconds=self.end_us))
        return doc


@attrs.define
class PlanRun:
    """What :func:`run_plan` did: the simulation, the ids it gave each key, every outcome."""

    plan: Plan
    sim: Simulation
    subjects: Subjects
    #: (offset, step, result) for each call: the method's return value or the GraphError
    outcomes: list[tuple[int, Step, Any]] = attrs.field(factory=list)

    @property
    def profile_ids(self) -> dict[str, str]:
        return self.subjects.profile_ids

    @property
    def job_ids(self) -> dict[str, tuple[str, str]]:
        return self.subjects.job_ids

    def refused(self) -> list[tuple[int, Step, GraphError]]:
        return [(t, s, r) for t, s, r in self.outcomes if isinstance(r, GraphError)]


def run_plan(plan: Plan, sim: Simulation | None = None) -> PlanRun:
    """Run ``plan`` on ``sim`` (default: a new Simulation from the plan's seed, start, config)."""
    if sim is None:
        sim = Simulation(seed=plan.seed, start=plan.start, config=plan.sim_config())
    run = PlanRun(plan, sim, materialize(plan, sim))
    base = plan.start_time
    for offset, step in plan.timeline:
        # Like the scenario runner: every event due by the entry's time (even one an entry
        # just before it scheduled for this very instant) runs before the entry.
        sim.run_until(base + _dt.timedelta(microseconds=offset))
        if isinstance(step, Call):
            run.outcomes.append((offset, step, _perform(run, step)))
        elif isinstance(step, Fault):
            sim.add_fault(step.kind, duration=step.duration, target=_target(run, step),
                          **step.params)
    last = plan.timeline[-1][0] if plan.timeline else 0
    end = max(last, plan.end_us if plan.end_us is not None else 0)
    sim.run_until(max(base + _dt.timedelta(microseconds=end), sim.now))
    return run


def _target(run: PlanRun, step: Fault) -> str | None:
    if step.profile is not None:
        return run.subjects.subject("profile", step.profile)
    if step.job is not None:
        return run.subjects.subject("job", step.job)
    return None


def _create(run: PlanRun, call: Call) -> Any:
    if call.method == "create_profile":
        assert call.profile is not None
        return run.subjects.create_profile(run.sim, call.profile, call.body)
    assert call.job is not None
    return run.subjects.create_job(run.sim, call.job, call.body)[0]


def _perform(run: PlanRun, call: Call) -> Any:
    """Run one call; a refusal is returned, not raised (the scenario runner carries on too)."""
    sim = run.sim
    try:
        if call.method in ("create_profile", "create_job"):
            return _create(run, call)
        method = getattr(sim, call.method)
        kwargs: dict[str, Any] = {}
        if call.profile is not None:
            args: tuple[Any, ...] = (run.profile_ids[call.profile],)
        elif call.job is not None:
            args = run.job_ids[call.job]
        else:
            args = ()
        if call.body is not None:
            kwargs["body"] = call.body
        if call.reset_scope is not None:
            kwargs["reset_scope"] = call.reset_scope
        if call.method == "upload_files":
            sim.get_upload_url(*args)
            return method(*args, files=call.files or {})
        return method(*args, **kwargs)
    except GraphError as exc:
        return exc


def as_offset(value: object) -> int:
    """A duration (ISO 8601, short form, seconds, timedelta) as microseconds."""
    return _offset_us(value)


def offset_text(us: int) -> str:
    """Microseconds as an ISO 8601 duration."""
    return format_duration(_dt.timedelta(microseconds=us))


def freeze(value: Any) -> Any:
    """A JSON-like value with every mapping made a plain ``dict`` (for documents)."""
    if isinstance(value, Mapping):
        return {str(k): freeze(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [freeze(v) for v in value]
    return value
