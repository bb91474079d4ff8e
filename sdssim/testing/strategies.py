"""Hypothesis strategies for sdssim: CSV datasets, fault plans, API call sequences, scenarios.

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

import attrs
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from sdssim.clock import DEFAULT_START, format_duration, parse_duration
from sdssim.engine import FAULT_KINDS, SimConfig, Simulation
from sdssim.engine import csvcheck as _csvcheck
from sdssim.engine.faults import QUARANTINE_REASONS
from sdssim.scenario.fault_targets import JOB_ONLY_FAULTS, PROFILE_ONLY_FAULTS, UNTARGETED_FAULTS
from sdssim.scenario.model import JobSpec, ProfileSpec
from sdssim.scenario.plan import Call, Fault, Plan

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
DEFECT_KINDS = ("missing", "bad_format", "dangling", "duplicates")

#: file -> (required columns, columns with a format, reference column -> file, unique columns),
#: read from the engine's CSV checker, where the schema is declared
_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...], dict[str, str], tuple[str, ...]]] = {
    name: (required, tuple(c for c in required if c in _csvcheck._FORMATS),
           {col: target for (file, col), target in _csvcheck.REFERENCES.items() if file == name},
           unique)
    for name, (required, unique, _entry) in _csvcheck.FILES.items()
}
_ENTITY_FILES = _csvcheck.ENTITY_FILES
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


# -- CSV datasets ------------------------------------------------------------------------------

@attrs.frozen
class CsvDataset:
    """Six SDS CSV files and what was planted in them.

    ``defects`` lists ``(file, row, kind, column)`` (``row`` counts data rows
    from 0).  ``bad_rows`` is how many rows should fail during sync: the
    defective rows plus every row that refers to one of them (a reference to a
    rejected row dangles).  ``rejected`` is true when a ``duplicates`` defect
    makes ``start`` answer 400.
    """

    files: dict[str, str]
    rows: dict[str, int]
    defects: tuple[tuple[str, int, str, str], ...]
    bad_rows: int
    rejected: bool

    @property
    def entries(self) -> int:
        """Rows of School, Section, Student and Teacher: the entries a sync processes."""
        return sum(self.rows[f] for f in _ENTITY_FILES)

    def count(self, kind: str) -> int:
        return sum(1 for d in self.defects if d[2] == kind)


def _rates(defects: Mapping[str, float] | None) -> dict[str, float]:
    out = dict(defects or {})
    for kind, rate in out.items():
        if kind not in DEFECT_KINDS:
            raise ValueError(f"unknown defect kind {kind!r}; known: {', '.join(DEFECT_KINDS)}")
        if not 0 <= rate <= 1:
            raise ValueError(f"the rate of {kind!r} defects must be between 0 and 1")
    return out


@st.composite
def csv_datasets(draw: Any, *, schools: Range = (1, 3), sections: Range = (0, 6),
                 students: Range = (0, 20), teachers: Range = (0, 4),
                 defects: Mapping[str, float] | SearchStrategy[Mapping[str, float]] | None = None,
                 domain: str = "contoso.edu") -> CsvDataset:
    """A :class:`CsvDataset` of the given sizes; ``defects`` maps a kind to its rate per row.

    Kinds: ``missing`` (a required value left empty), ``bad_format`` (a value
    its format forbids), ``dangling`` (a reference to a row that does not
    exist), ``duplicates`` (a unique value repeated: an Error, sync does not
    start).  A row gets at most one defect.  Defects shrink away first.
    """
    rates = _rates(draw(defects) if isinstance(defects, SearchStrategy) else defects)
    n = {
        "School.csv": draw(st.integers(*schools)),
        "Section.csv": draw(st.integers(*sections)),
        "Student.csv": draw(st.integers(*students)),
        "Teacher.csv": draw(st.integers(*teachers)),
    }
    tables: dict[str, list[dict[str, str]]] = {f: [] for f in _FILES}
    school_ids = [f"SCH{i}" for i in range(1, n["School.csv"] + 1)]
    for i, sid in enumerate(school_ids):
        tables["School.csv"].append({"SIS ID": sid, "Name": f"School {i + 1}"})
    pick_school = st.sampled_from(school_ids)
    for i in range(1, n["Section.csv"] + 1):
        tables["Section.csv"].append({"SIS ID": f"SEC{i}", "School SIS ID": draw(pick_school),
                                      "Section Name": f"Section {i}"})
    for file, prefix in (("Student.csv", "stu"), ("Teacher.csv", "tch")):
        for i in range(1, n[file] + 1):
            tables[file].append({"SIS ID": f"{prefix.upper()}{i}",
                                 "School SIS ID": draw(pick_school),
                                 "Username": f"{prefix}{i}@{domain}"})
    section_ids = [r["SIS ID"] for r in tables["Section.csv"]]
    if section_ids:
        per = st.lists(st.sampled_from(section_ids), max_size=2, unique=True)
        for student in tables["Student.csv"]:
            for sec in draw(per):
                tables["StudentEnrollment.csv"].append({"Section SIS ID": sec,
                                                        "SIS ID": student["SIS ID"]})
        teacher_ids = [r["SIS ID"] for r in tables["Teacher.csv"]]
        if teacher_ids:
            for sec in section_ids:
                tables["TeacherRoster.csv"].append({"Section SIS ID": sec,
                                                    "SIS ID": draw(st.sampled_from(teacher_ids))})
    planted = _plant(draw, tables, rates)
    files = {name: _write(_FILES[name][0], rows) for name, rows in tables.items()}
    return CsvDataset(
        files=files,
        rows={name: len(rows) for name, rows in tables.items()},
        defects=tuple(planted),
        bad_rows=_bad_rows(tables),
        rejected=any(d[2] == "duplicates" for d in planted),
    )


def _plant(draw: Any, tables: dict[str, list[dict[str, str]]], rates: dict[str, float]
           ) -> list[tuple[str, int, str, str]]:
    planted: list[tuple[str, int, str, str]] = []
    kinds = [k for k in DEFECT_KINDS if rates.get(k, 0) > 0]
    if not kinds:
        return planted
    for file, rows in tables.items():
        required, formatted, refs, unique = _FILES[file]
        columns = {"missing": required, "bad_format": formatted, "dangling": tuple(refs),
                   "duplicates": unique if len(rows) > 1 else ()}
        for index, row in enumerate(rows):
            for kind in kinds:
                if not columns[kind] or (kind == "duplicates" and index == 0):
                    continue
                # 0 (the shrink target) means "no defect": failures shrink to clean rows.
                if draw(st.integers(0, 9_999)) < 10_000 * (1 - rates[kind]):
                    continue
                col = draw(st.sampled_from(columns[kind]))
                if kind == "duplicates" and not rows[0][col]:
                    continue  # an empty value is missing, never a duplicate
                n = len(planted) + 1
                if kind == "missing":
                    row[col] = ""
                elif kind == "bad_format":
                    row[col] = f"bad value {n}"
                elif kind == "dangling":
                    row[col] = f"MISSING{n}"
                else:
                    row[col] = rows[0][col]
                planted.append((file, index, kind, col))
                break
    return planted


def _bad_rows(tables: dict[str, list[dict[str, str]]]) -> int:
    """Rows sync rejects: empty or malformed values, then references to rejected rows."""
    valid: dict[str, set[str]] = {}
    bad = 0
    for file, rows in tables.items():
        required, formatted, refs, _unique = _FILES[file]
        ok: set[str] = set()
        for row in rows:
            broken = any(not row[c] for c in required) or any(" " in row[c] for c in formatted)
            if not broken:
                broken = any(row[c] not in valid.get(ref, set()) for c, ref in refs.items())
            if broken:
                bad += 1
            elif file in _ENTITY_FILES:
                ok.add(row["SIS ID"])
        valid[file] = ok
    return bad


def _write(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    lines = [",".join(columns)] + [",".join(row[c] for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


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
    """One :class:`~sdssim.testing.plans.Fault` aimed at a profile key, a job key or everyone.

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
    """A whole :class:`~sdssim.testing.plans.Plan`: subjects, a realistic start, calls, faults.

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
