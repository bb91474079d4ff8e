"""Creating a scenario's declared subjects in a simulation, and naming them by key.

A scenario (or a plan) names profiles and jobs by *keys* (``north-high``);
the simulation hands out ids. :func:`materialize` creates every subject
declared with ``create: true`` (profiles first, then jobs, in declaration
order; a job with settings or a schedule gets them by PATCH right after it
is created) and returns the :class:`Subjects` that map keys to ids. The
runner, the testing kit's plans and ``sdssim serve`` all create subjects
through here, so the same declarations give the same simulation everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from sdssim.engine.subjects import SubjectId, job_subject, profile_subject

from .model import JobSpec, ProfileSpec

if TYPE_CHECKING:
    from sdssim.engine import Simulation
    from sdssim.models import EducationSynchronizationProfile, SynchronizationJob

__all__ = ["Subjects", "materialize", "OnCreate", "Declares"]

#: Called after each creation: ("profile" or "job", key, the created resource, patched?).
OnCreate = Callable[[str, str, Any, bool], None]


@attrs.define
class Subjects:
    """The ids a simulation gave each key: ``profile_ids[key]``, ``job_ids[key] = (sp, id)``."""

    profiles: dict[str, ProfileSpec] = attrs.field(factory=dict)
    jobs: dict[str, JobSpec] = attrs.field(factory=dict)
    profile_ids: dict[str, str] = attrs.field(factory=dict)
    job_ids: dict[str, tuple[str, str]] = attrs.field(factory=dict)

    @classmethod
    def of(cls, profiles: Iterable[ProfileSpec], jobs: Iterable[JobSpec]) -> Subjects:
        return cls({p.key: p for p in profiles}, {j.key: j for j in jobs})

    def subject(self, kind: str, key: str) -> SubjectId:
        """The engine subject (``profile/<id>``, ``job/<id>``) of a created key."""
        if kind == "profile":
            return profile_subject(self.profile_ids[key])
        return job_subject(self.job_ids[key][1])

    def create_profile(self, sim: Simulation, key: str, body: dict[str, Any] | None = None
                       ) -> EducationSynchronizationProfile:
        """Create the profile declared as ``key`` (``body`` overrides its declared body)."""
        made = sim.create_profile(body if body is not None else self.profiles[key].create_body())
        self.profile_ids[key] = made.id
        return made

    def create_job(self, sim: Simulation, key: str, body: dict[str, Any] | None = None
                   ) -> tuple[SynchronizationJob, bool]:
        """Create the job declared as ``key``, then PATCH its settings and schedule if any.

        ``(job, patched)``; ``body`` overrides the declared body.
        """
        spec = self.jobs[key]
        made = sim.create_job(spec.sp, body if body is not None else spec.create_body(),
                              objects=spec.objects)
        self.job_ids[key] = (spec.sp, made.id)
        patch = spec.patch_body()
        if patch is not None:
            sim.update_job(spec.sp, made.id, patch)
        return made, patch is not None


class Declares(Protocol):
    """Anything with declared ``profiles`` and ``jobs``: a Scenario or a Plan."""

    @property
    def profiles(self) -> tuple[ProfileSpec, ...]: ...

    @property
    def jobs(self) -> tuple[JobSpec, ...]: ...


def materialize(scenario: Declares, sim: Simulation, on_create: OnCreate | None = None,
                before_create: Callable[[], None] | None = None) -> Subjects:
    """Create ``scenario``'s declared subjects (``create: true``) in ``sim``; their ids by key.

    ``before_create`` and ``on_create`` are called around each creation (the runner
    uses them to order and log what happened).
    """
    subjects = Subjects.of(scenario.profiles, scenario.jobs)
    for profile in scenario.profiles:
        if profile.create:
            if before_create is not None:
                before_create()
            made = subjects.create_profile(sim, profile.key)
            if on_create is not None:
                on_create("profile", profile.key, made, False)
    for job in scenario.jobs:
        if job.create:
            if before_create is not None:
                before_create()
            made_job, patched = subjects.create_job(sim, job.key)
            if on_create is not None:
                on_create("job", job.key, made_job, patched)
    return subjects
