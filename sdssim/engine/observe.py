"""Side-effect-free reads: what the Graph methods would answer, without being a request.

``sim.observe`` answers like ``sim.get_job`` and friends but consumes no
request fault (``throttle``, ``unavailable``, ``gateway_timeout``), takes no
snapshot and logs no call, so checkers, exporters and dashboards can look as
often as they like without changing what a client sees (like trio's
``statistics()``).  It also tells what no Graph method does: when a job's next
cycle is due.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pendulum

from ..clock import duration_us, from_us
from ..models import (
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileStatus,
    SynchronizationJob,
)
from .subjects import SubjectId

if TYPE_CHECKING:
    from .jobs import JobService
    from .profiles import ProfileService

__all__ = ["JobActivity", "Observer"]


@attrs.frozen
class JobActivity:
    """What a job will do next (not a Graph property)."""

    #: cycles begun so far
    cycles: int
    #: the running cycle's begin time, or ``None``
    running_since: pendulum.DateTime | None
    #: when the next cycle begins (or the running one ends and another is due), or ``None``
    #: when nothing is scheduled (paused, stopped, disabled, expired)
    next_begin: pendulum.DateTime | None
    #: whether the job is in lazy steady state (its cycles are computed, not stepped)
    lazy: bool


class Observer:
    """Read-only views of one simulation's resources (``Simulation.observe``)."""

    __slots__ = ("_profiles", "_jobs", "_lag")

    def __init__(self, profiles: ProfileService, jobs: JobService, status_lag: object) -> None:
        self._profiles = profiles
        self._jobs = jobs
        self._lag = duration_us(status_lag)

    def list_profiles(self) -> list[EducationSynchronizationProfile]:
        return [p.model() for p in self._profiles.profiles.values()]

    def get_profile(self, profile_id: str) -> EducationSynchronizationProfile:
        return self._profiles.find(profile_id).model()

    def get_profile_status(self, profile_id: str) -> EducationSynchronizationProfileStatus:
        return self._profiles.status(self._profiles.find(profile_id), self._lag)

    def list_errors(self, profile_id: str) -> list[EducationSynchronizationError]:
        return list(self._profiles.find(profile_id).errors)

    def list_jobs(self, service_principal_id: str) -> list[SynchronizationJob]:
        return [self._jobs.view(j) for j in self._jobs.list(service_principal_id)]

    def get_job(self, service_principal_id: str, job_id: str) -> SynchronizationJob:
        return self._jobs.view(self._jobs.find(service_principal_id, job_id))

    def job_activity(self, service_principal_id: str, job_id: str) -> JobActivity:
        """The job's cycles so far and when the next is due. Costs O(pending events)."""
        jobs = self._jobs
        job = jobs.find(service_principal_id, job_id)
        jobs.view(job)  # settles a lazy job
        running, nxt = jobs.next_activity(job)
        return JobActivity(cycles=job.cycles,
                           running_since=from_us(running) if running is not None else None,
                           next_begin=from_us(nxt) if nxt is not None else None,
                           lazy=job.lazy)

    def request_refused(self) -> bool:
        """Whether a request fault (429/503/504) would refuse the next API request now."""
        core = self._jobs.core
        return core.faults.refuses_request(core.now)

    def job_states(self, service_principal_id: str, job_id: str) -> dict[str, str]:
        """The job's machine states by machine name (``job``, ``schedule``, ``quarantine``)."""
        job = self._jobs.find(service_principal_id, job_id)
        return {m: getattr(job, attr) for m, attr in job.MACHINES.items()}

    def job_subject(self, service_principal_id: str, job_id: str) -> SubjectId:
        """The subject the job's records carry (``job/<id>``): the engine's own string, so
        a caller keying a table by it holds no second copy (a run of 100,000 jobs)."""
        return SubjectId(self._jobs.find(service_principal_id, job_id).subject)

    def profile_states(self, profile_id: str) -> dict[str, str]:
        """The profile's machine states by machine name (``profile``, ``sync``)."""
        p = self._profiles.find(profile_id)
        return {m: getattr(p, attr) for m, attr in p.MACHINES.items()}
