"""Hypothesis strategies for sdssim: CSV datasets, fault plans, API call sequences, scenarios.

(The CSV dataset strategy lives in :mod:`sdssim.testing.csv_data`; it is one of the
strategies this module offers.)

Small functions that compose: :func:`csv_datasets` feeds :func:`api_calls`,
which with :func:`fault_plans` makes the timeline of a :func:`scenarios` plan.

**Randomness.**  A simulation's only random source is the ``random.Random``
seeded with its ``seed``.  Every strategy here that makes a simulation (or a
plan, which carries its seed) draws that seed with :func:`seeds` (an
``st.integers`` strategy), so the seed is part of Hypothesis's choice
sequence: a failure shrinks towards seed 0 and replays from the example
database, and the seed is written into an exported scenario so ``sdssim run``
reproduces it.  (``hypothesis.register_random`` is for *global* generators:
it reseeds them to a fixed value before every example and restores them
afterwards.  A simulation's generator is born inside the example from a
drawn seed, so it is already under Hypothesis's control, and registering it
would only keep dead simulations alive.)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from sdssim.clock import DEFAULT_START, format_duration, parse_duration
from sdssim.engine import FAULT_KINDS, SimConfig, Simulation
from sdssim.engine.faults import QUARANTINE_REASONS
from sdssim.scenario.fault_targets import JOB_ONLY_FAULTS, PROFILE_ONLY_FAULTS, UNTARGETED_FAULTS
from sdssim.scenario.model import JobSpec, ProfileSpec
from sdssim.scenario.plan import Call, Fault, Plan

from .csv_data import DEFECT_KINDS, CsvDataset, csv_datasets

__all__ = [
    "SEED_MAX",
    "DEFECT_KINDS",
    "SCENARIO_FAULT_KINDS",
    "CsvDataset",
    "seeds",
    "simulations",
    "durations",
    "profile_bodies",
    "job_objects",
    "csv_datasets",
    "fault_params",
    "faults",
    "fault_plans",
    "api_calls",
    "scenarios",
]

SEED_MAX = 2**32 - 1

_ENTRY_CODES = (
    "UnsynchronizableChange", "DuplicateTargetEntries", "AzureActiveDirectoryInvalidPropertyValue",
    "AzureActiveDirectoryInvalidLicense", "AzureActiveDirectoryInvalidUserUsageLocation",
    "UnmatchedEntry",
)
_RESET_SCOPES = ("Watermark, Escrows", "Full", "QuarantineState", "ForceDeletes",
                 "Watermark, Escrows, QuarantineState")

Range = tuple[int, int]

#: the fault kinds a scenario may use: every kind the engine declares (tests/scenario pins that
#: the scenario schema lists exactly these), so whatever is generated can be replayed
SCENARIO_FAULT_KINDS: tuple[str, ...] = tuple(sorted(FAULT_KINDS))


def seeds() -> SearchStrategy[int]:
    """Simulation seeds: shrink towards 0, replay from Hypothesis's database."""
    return st.integers(0, SEED_MAX)


def simulations(*, seed: SearchStrategy[int] | None = None, start: object = DEFAULT_START,
                config: SimConfig | None = None) -> SearchStrategy[Simulation]:
    """Fresh simulations with a drawn seed (see the module docstring)."""
    return st.builds(lambda s: Simulation(seed=s, start=start, config=config),
                     seeds() if seed is None else seed)


def _us(value: object) -> int:
    d = parse_duration(value)
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def durations(min_value: object = "1m", max_value: object = "P1D", *,
              step: object = "1m") -> SearchStrategy[str]:
    """ISO 8601 durations from ``min_value`` to ``max_value`` in whole ``step``\\ s."""
    lo, hi, unit = _us(min_value), _us(max_value), _us(step)
    if unit <= 0 or lo < 0 or hi < lo:
        raise ValueError("durations need 0 <= min_value <= max_value and a positive step")
    return st.integers(-(-lo // unit), hi // unit).map(
        lambda n: format_duration(_dt.timedelta(microseconds=n * unit)))


def profile_bodies(*, providers: Sequence[str] = ("csv",)) -> SearchStrategy[dict[str, Any]]:
    """Create bodies of ``synchronizationProfiles`` (``providers``: ``csv``, ``oneroster``)."""
    provider = {
        "csv": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
        "oneroster": {"@odata.type": "#microsoft.graph.educationOneRosterApiDataProvider",
                      "connectionUrl": "https://oneroster.example.edu/ims/oneroster/v1p1",
                      "providerName": "Example SIS"},
    }
    for p in providers:
        if p not in provider:
            raise ValueError(f"unknown provider {p!r}; known: {', '.join(provider)}")
    names = st.sampled_from(["Term 1 Sync", "North High", "District Rollover", "Summer School"])
    return st.builds(
        lambda name, prov: {
            "displayName": name,
            "dataProvider": provider[prov],
            "identitySynchronizationConfiguration": {
                "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
                "userDomains": [{"appliesTo": "student", "name": "students.contoso.edu"},
                                {"appliesTo": "teacher", "name": "contoso.edu"}],
            },
            "licensesToAssign": [],
        },
        names, st.sampled_from(list(providers)),
    )


def job_objects(*, users: Range = (0, 20_000), groups: Range = (0, 500)
                ) -> SearchStrategy[dict[str, int]]:
    """Source object counts of a provisioning job."""
    return st.fixed_dictionaries({"User": st.integers(*users), "Group": st.integers(*groups)})


# -- faults ------------------------------------------------------------------------------------

def _rate(lo: int = 0, hi: int = 100) -> SearchStrategy[float]:
    return st.integers(lo, hi).map(lambda k: k / 100)


def fault_params(kind: str) -> SearchStrategy[dict[str, Any]]:
    """Valid parameters of fault ``kind`` (see ``sdssim.engine.FAULT_KINDS``)."""
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(FAULT_KINDS))}")
    if kind == "throttling":
        return st.fixed_dictionaries({}, optional={
            "slowdown": st.integers(10, 50).map(lambda k: k / 10), "rate": _rate(0, 50)})
    if kind == "entry_failures":
        amount = st.one_of(st.fixed_dictionaries({"rate": _rate()}),
                           st.fixed_dictionaries({"count": st.integers(0, 20_000)}))
        extra = st.fixed_dictionaries({}, optional={"reference": st.booleans(),
                                                     "code": st.sampled_from(_ENTRY_CODES)})
        return st.builds(lambda a, b: {**a, **b}, amount, extra)
    if kind == "mass_deletes":
        return st.fixed_dictionaries({"count": st.integers(0, 2_000)})
    if kind == "replica_unavailable":
        return st.fixed_dictionaries({}, optional={"rate": _rate()})
    if kind in UNTARGETED_FAULTS:  # request faults: refuse a number of API requests
        return st.fixed_dictionaries({"requests": st.integers(1, 3)},
                                     optional={"retry_after": st.integers(1, 30)})
    if kind == "quarantine":
        return st.fixed_dictionaries({}, optional={"reason": st.sampled_from(QUARANTINE_REASONS)})
    return st.just({})


@st.composite
def faults(draw: Any, *, kinds: Sequence[str] | None = None, profiles: Sequence[str] = (),
           jobs: Sequence[str] = (), max_duration: object = "P2D") -> Fault:
    """One :class:`~sdssim.scenario.plan.Fault` aimed at a profile key, a job key or everyone.

    ``kinds`` defaults to :data:`SCENARIO_FAULT_KINDS`.
    """
    kind = draw(st.sampled_from(sorted(kinds if kinds is not None else SCENARIO_FAULT_KINDS)))
    targets: list[tuple[str | None, str | None]] = [(None, None)]
    if kind not in UNTARGETED_FAULTS:
        if kind not in JOB_ONLY_FAULTS:
            targets += [(p, None) for p in profiles]
        if kind not in PROFILE_ONLY_FAULTS:
            targets += [(None, j) for j in jobs]
    profile, job = draw(st.sampled_from(targets))
    duration = draw(st.none() | durations("1m", max_duration))
    return Fault(kind, profile=profile, job=job, duration=duration,
                 params=draw(fault_params(kind)))


def _timed(step: SearchStrategy[Any], horizon: object, max_size: int
           ) -> SearchStrategy[tuple[tuple[int, Any], ...]]:
    minutes = _us(horizon) // 60_000_000
    entry = st.tuples(st.integers(0, minutes).map(lambda m: m * 60_000_000), step)
    return st.lists(entry, max_size=max_size).map(
        lambda xs: tuple(sorted(xs, key=lambda x: x[0])))


def fault_plans(*, profiles: Sequence[str] = (), jobs: Sequence[str] = (),
                kinds: Sequence[str] | None = None, max_faults: int = 3,
                horizon: object = "P2D") -> SearchStrategy[tuple[tuple[int, Fault], ...]]:
    """Up to ``max_faults`` faults at whole minutes within ``horizon``: ``((offset_us, fault), …)``."""
    return _timed(faults(kinds=kinds, profiles=profiles, jobs=jobs, max_duration=horizon),
                  horizon, max_faults)


# -- API calls -----------------------------------------------------------------------------------

_PROFILE_METHODS = ("upload_files", "start_profile", "pause_profile", "resume_profile",
                    "reset_profile", "delete_profile", "get_profile_status", "list_errors")
_JOB_METHODS = ("start_job", "pause_job", "stop_job", "restart_job", "apply_job",
                "validate_credentials", "update_job", "delete_job", "get_job")


@st.composite
def _call(draw: Any, profiles: Sequence[str], jobs: Sequence[str],
          files: SearchStrategy[dict[str, str]]) -> Call:
    choices = [("profile", m) for m in _PROFILE_METHODS if profiles]
    choices += [("job", m) for m in _JOB_METHODS if jobs]
    what, method = draw(st.sampled_from(choices))
    if what == "profile":
        key = draw(st.sampled_from(list(profiles)))
        if method == "upload_files":
            return Call(method, profile=key, files=draw(files))
        return Call(method, profile=key)
    key = draw(st.sampled_from(list(jobs)))
    if method == "restart_job":
        return Call(method, job=key, reset_scope=draw(st.sampled_from(_RESET_SCOPES)))
    if method == "update_job":
        body = draw(st.sampled_from([
            {"schedule": {"interval": "PT20M"}},
            {"schedule": {"interval": "PT1H"}},
            {"synchronizationJobSettings": [{"name": "QuarantineTooManyDeletesThreshold",
                                             "value": "100"}]},
        ]))
        return Call(method, job=key, body=body)
    return Call(method, job=key)


def api_calls(*, profiles: Sequence[str] = (), jobs: Sequence[str] = (), max_calls: int = 8,
              horizon: object = "P2D", files: SearchStrategy[dict[str, str]] | None = None
              ) -> SearchStrategy[tuple[tuple[int, Call], ...]]:
    """Up to ``max_calls`` API calls on the given keys, at whole minutes within ``horizon``.

    ``files`` draws what ``upload_files`` uploads (default: small clean datasets).
    """
    if not profiles and not jobs:
        return st.just(())
    files = files if files is not None else csv_datasets().map(lambda d: d.files)
    return _timed(_call(profiles, jobs, files), horizon, max_calls)


@st.composite
def scenarios(draw: Any, *, profiles: Range = (0, 2), jobs: Range = (0, 2),
              max_calls: int = 8, max_faults: int = 3, horizon: object = "P2D",
              fault_kinds: Sequence[str] | None = None,
              datasets: SearchStrategy[CsvDataset] | None = None,
              config: Mapping[str, Any] | None = None) -> Plan:
    """A whole :class:`~sdssim.scenario.plan.Plan`: subjects, a realistic start, calls, faults.

    Each profile uploads a drawn dataset 10 minutes in and starts 10 minutes
    later; each job starts within the first hour; then come random calls and
    faults.  ``plan.to_document()`` is a scenario ``sdssim run`` accepts.
    """
    seed = draw(seeds())
    datasets = datasets if datasets is not None else csv_datasets()
    pkeys = [f"p{i}" for i in range(1, draw(st.integers(*profiles)) + 1)]
    jkeys = [f"j{i}" for i in range(1, draw(st.integers(*jobs)) + 1)]
    decl_jobs = tuple(JobSpec(k, objects=draw(job_objects())) for k in jkeys)
    setup: list[tuple[int, Call]] = []
    for key in pkeys:
        setup.append((10 * 60_000_000, Call("upload_files", profile=key,
                                             files=draw(datasets).files)))
        setup.append((20 * 60_000_000, Call("start_profile", profile=key)))
    for key in jkeys:
        setup.append((draw(st.integers(0, 60)) * 60_000_000, Call("start_job", job=key)))
    setup.sort(key=lambda x: x[0])
    calls = draw(api_calls(profiles=pkeys, jobs=jkeys, max_calls=max_calls, horizon=horizon,
                           files=datasets.map(lambda d: d.files)))
    plan_faults = draw(fault_plans(profiles=pkeys, jobs=jkeys, kinds=fault_kinds,
                                   max_faults=max_faults, horizon=horizon))
    return Plan(
        seed=seed,
        config=dict(config or {}),
        profiles=tuple(ProfileSpec(k) for k in pkeys),
        jobs=decl_jobs,
        timeline=Plan.merge(plan_faults, setup, calls),
        end_us=_us(horizon),
        name="generated scenario",
    )
