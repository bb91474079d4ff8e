"""A stateful model check of the whole Python API: no call sequence can break the simulation.

Hypothesis drives every profile and job method, every fault kind with hostile
parameters, every restart scope, hostile bodies and times, and advances from a
second to 60 days, in any order and from any state.  The contract checked at
every step:

* every call either succeeds or raises a documented ``sdssim.errors`` exception
  of the ``ValueError``/``LookupError`` family (or a 409/429/503/504 Graph error)
  *and changes nothing*: resources, records, ``call_log``, random state, clock;
* ``advance``/``run_until``/``step`` never raise from inside an event;
* after each step: every machine in a declared state; a running schedule has a
  future attempt, a paused/stopped/disabled/expired one has none; counters are
  monotone; every resource's JSON round-trips through the models; records'
  ``seq`` strictly increases and agrees with the declared machines
  (:class:`sdssim.testing.ModelInvariants`).

CI runs the ``default`` budget below.  ``pytest tests/engine/test_model_check.py
--hypothesis-profile=soak -p no:cacheprovider`` runs the soak (see
``docs/behaviour.md``); the number of steps run is printed at the end.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from sdssim import SimConfig, Simulation
from sdssim.engine import FAULT_KINDS
from sdssim.errors import Conflict, GraphError, SdsSimError
from sdssim.machines import table
from sdssim.models import (
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileStatus,
    SynchronizationJob,
)
from sdssim.scenario.export import to_scenario
from sdssim.testing import ModelInvariants
from sdssim.testing.strategies import profile_bodies

SP = "sp-model"
STEPS = {"count": 0}

#: how a refusal may look: a documented sdssim error of the ValueError/LookupError family,
#: or a Graph error the real service answers for a call that is not allowed now
ALLOWED = (ValueError, LookupError, GraphError)

HOSTILE_NUMBERS = st.sampled_from([
    math.inf, -math.inf, math.nan, -1, -0.5, 0, 0.0, 1e300, 10**30, 2**63, True, "3", None,
    [], {}, 1, 2.5, 1000, 1001,
])
TIMES = st.one_of(
    # absolute times a run may not reach (refused at once) or that lie in the past; runs
    # forward within 60 days come from ``run_until_offset``
    st.sampled_from(["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-09-01T08:00:00Z",
                     "2126-09-03T08:00:00Z", "not a time", "", "2026-02-30T00:00:00Z", None, 12,
                     "2026-09-01T08:00:00+14:00"]),
)
DURATIONS = st.one_of(
    st.sampled_from(["P10675199DT2H48M5.4775807S", "PT0S", "-PT1H", "P", "PT", "1e400s", "nope",
                     "P99999999999999999999D", "P36526D", math.inf, math.nan, -1, None, True]),
    st.integers(0, 60 * 86400).map(lambda s: f"PT{s}S"),
)
SCOPES = st.one_of(
    st.sampled_from([None, "", "None", "Full", "Watermark, Escrows", "QuarantineState",
                     "ForceDeletes", "ConnectorDataStore", "Escrows", "Watermark",
                     "QuarantineState, ForceDeletes", "Bogus", "Full, Bogus", 15, ["Full"]]),
    st.lists(st.sampled_from(["ConnectorDataStore", "Escrows", "Watermark", "QuarantineState",
                              "ForceDeletes"]), min_size=1, max_size=5).map(", ".join),
)
JOB_BODIES = st.one_of(
    st.fixed_dictionaries({"templateId": st.sampled_from(["scim", "AD2AAD", "x"])}),
    st.fixed_dictionaries({
        "templateId": st.just("scim"),
        "schedule": st.fixed_dictionaries({
            "interval": st.sampled_from(["PT40M", "PT1M", "PT20S", "P1D",
                                         "P10675199DT2H48M5.4775807S", "P40000D", "bad"]),
        }),
    }),
    st.fixed_dictionaries({
        "templateId": st.just("scim"),
        "synchronizationJobSettings": st.lists(st.fixed_dictionaries({
            "name": st.just("QuarantineTooManyDeletesThreshold"),
            "value": st.sampled_from(["500", "0", "²", "1" * 5000, "12", "", "-3"]),
        }), max_size=1),
    }),
    st.sampled_from([{}, {"templateId": ""}, {"templateId": 3}, [], "x", None,
                     {"templateId": "scim", "status": {"code": "Active"}}]),
)
UPDATES = st.one_of(
    st.fixed_dictionaries({"schedule": st.fixed_dictionaries({
        "interval": st.sampled_from(["PT40M", "PT2H", "P10675199DT2H48M5.4775807S", "PT1S",
                                     "P40000D"])})}),
    st.fixed_dictionaries({"schedule": st.fixed_dictionaries({
        "expiration": st.sampled_from(["2026-09-02T08:00:00Z", "2026-09-20T00:00:00Z",
                                       "9999-12-31T23:59:59Z", "2020-01-01T00:00:00Z",
                                       "garbage"])})}),
    st.fixed_dictionaries({"schedule": st.fixed_dictionaries({
        "state": st.sampled_from(["Active", "Paused", "Disabled", "Nope"])})}),
    st.fixed_dictionaries({"synchronizationJobSettings": st.lists(st.fixed_dictionaries({
        "name": st.just("QuarantineTooManyDeletesThreshold"),
        "value": st.sampled_from(["5", "100000", "²", "x"])}), max_size=1)}),
    st.sampled_from([{}, {"status": {}}, {"templateId": "other"}, {"id": "other"}, [], None,
                     {1: 2}]),
)
ON_DEMAND = st.one_of(
    st.builds(lambda n, t: {"parameters": [{"ruleId": "r", "subjects": [
        {"objectId": f"user-{i}", "objectTypeName": t} for i in range(n)]}]},
        st.integers(1, 7), st.sampled_from(["User", "Group", "Printer"])),
    st.sampled_from([{}, {"parameters": []}, {"parameters": [{}]}, [], None,
                     {"parameters": [{"subjects": [{"objectId": 3}]}]}]),
)
CREDENTIALS = st.sampled_from([
    {"templateId": "scim", "credentials": [{"key": "BaseAddress", "value": "https://x"}]},
    {"useSavedCredentials": True}, {}, {"credentials": "x"}, {"useSavedCredentials": "yes"},
    [], None, {"bogus": 1},
])


def _hostile_params(kind: str) -> st.SearchStrategy[dict]:
    spec = FAULT_KINDS[kind]
    if not spec:
        return st.one_of(st.just({}), st.just({"bogus": 1}))
    names = sorted(spec)
    good = {
        "slowdown": st.floats(1, 20), "rate": st.floats(0, 1), "count": st.integers(0, 20_000),
        "reference": st.booleans(), "code": st.sampled_from(["UnmatchedEntry", None]),
        "requests": st.integers(1, 5), "retry_after": st.one_of(st.none(), st.integers(0, 120)),
        "reason": st.sampled_from(["QuarantinedOnDemand", "TooManyDeletes", "IngestionInterrupted",
                                   "Unknown", "Bogus"]),
    }
    value = st.one_of(*(good[n] for n in names), HOSTILE_NUMBERS)
    return st.dictionaries(st.sampled_from(names), value, max_size=len(names))


FAULTS = st.sampled_from(sorted(FAULT_KINDS)).flatmap(
    lambda kind: st.tuples(st.just(kind), _hostile_params(kind)))


def _fingerprint(sim: Simulation, machine: ModelCheck) -> tuple:
    """Everything a refused call must leave as it was."""
    obs = sim.observe
    profiles = []
    for pid in sorted(machine.known_profiles):
        try:
            errors = obs.list_errors(pid)
            profiles.append((obs.get_profile(pid).to_json(),
                             obs.get_profile_status(pid).to_json(),
                             len(errors), errors[-1].to_json() if errors else None))
        except LookupError:
            profiles.append(None)
    jobs = []
    for jid in sorted(machine.known_jobs):
        try:
            jobs.append((obs.get_job(SP, jid).to_json(), obs.job_activity(SP, jid)))
        except LookupError:
            jobs.append(None)
    core = sim._core
    return (sim.now, len(sim.events), len(sim.snapshots), len(sim.errors), len(sim.call_log),
            core.rng.getstate(), len(sim.faults), [f.remaining for f in sim.faults],
            tuple(profiles), tuple(jobs))


class ModelCheck(RuleBasedStateMachine):
    """Every method, every state, hostile parameters; invariants after every step."""

    profiles = Bundle("profiles")
    jobs = Bundle("jobs")

    def __init__(self) -> None:
        super().__init__()
        self.known_profiles: set[str] = set()
        self.known_jobs: set[str] = set()
        self.cycles: dict[str, int] = {}
        self.processed = 0
        self.seq = 0

    @initialize(seed=st.integers(0, 2**32), lazy=st.booleans())
    def start(self, seed, lazy):
        # escrow_min_failures is lowered so that entry faults reach the escrow rules often
        self.sim = Simulation(seed=seed, config=SimConfig(
            escrow_min_failures=200, lazy_steady_state=lazy, api_entry_count=40))
        self.checker = ModelInvariants(self.sim)

    # -- the contract --------------------------------------------------------------------
    def call(self, name: str, *args, **kwargs):
        """Call ``sim.<name>``: success, or a documented refusal that changed nothing."""
        STEPS["count"] += 1
        before = _fingerprint(self.sim, self)
        try:
            return getattr(self.sim, name)(*args, **kwargs)
        except ALLOWED as exc:
            assert isinstance(exc, SdsSimError), f"{name} raised a foreign {exc!r}"
            if isinstance(exc, GraphError) and exc.status in (429, 503, 504):
                # a request fault fired: only its own counter moved
                after = _fingerprint(self.sim, self)
                assert before[:7] == after[:7] and before[8:] == after[8:], name
            else:
                assert _fingerprint(self.sim, self) == before, f"refused {name} changed state"
            return None

    # -- set-up ---------------------------------------------------------------------------
    @rule(target=profiles, body=st.one_of(
        profile_bodies(providers=("csv", "oneroster")),
        st.sampled_from([{}, {"displayName": "x"}, [], None, {"displayName": 5}])))
    def create_profile(self, body):
        p = self.call("create_profile", body)
        if p is None:
            return multiple()
        self.known_profiles.add(p.id)
        return p.id

    @rule(target=jobs, body=JOB_BODIES, users=st.sampled_from([0, 1, 100, 1000, 12_000, 60_000]),
          objects_kind=st.sampled_from(["good", "none", "bad"]))
    def create_job(self, body, users, objects_kind):
        objects = {"good": {"User": users, "Group": 5}, "none": None,
                   "bad": {"User": -1}}[objects_kind]
        job = self.call("create_job", SP, body, objects=objects)
        if job is None:
            return multiple()
        self.known_jobs.add(job.id)
        return job.id

    # -- profiles -------------------------------------------------------------------------
    @rule(pid=profiles, method=st.sampled_from(
        ["pause_profile", "resume_profile", "reset_profile", "get_upload_url", "start_profile",
         "get_profile_status", "list_errors", "get_profile"]))
    def profile_call(self, pid, method):
        self.call(method, pid)

    @rule(pid=consumes(profiles))
    def delete_profile(self, pid):
        self.call("delete_profile", pid)

    @rule(pid=profiles, rows=st.integers(0, 3), bad=st.booleans())
    def upload(self, pid, rows, bad):
        school = "SIS ID,Name\n" + "".join(f"s{i},School {i}\n" for i in range(rows))
        files = {"School.csv": school + (",\n" if bad else "")}
        self.call("upload_files", pid, files)

    @rule(pid=profiles, body=st.sampled_from([
        {"entryType": "student", "errorCode": "UnmatchedEntry", "errorMessage": "m",
         "id": "fixed-id", "joiningValue": "j", "reportableIdentifier": "r"},
        {"entryType": "teacher", "errorCode": "DuplicateTargetEntries"}, {"id": 5}, [], None]))
    def create_error(self, pid, body):
        self.call("create_error", pid, body)

    # -- jobs -----------------------------------------------------------------------------
    @rule(jid=jobs, method=st.sampled_from(
        ["start_job", "pause_job", "stop_job", "apply_job", "get_job", "get_job_schema"]))
    def job_call(self, jid, method):
        self.call(method, SP, jid)

    @rule(jid=jobs, scope=SCOPES)
    def restart(self, jid, scope):
        if scope is None:
            self.call("restart_job", SP, jid)
        else:
            self.call("restart_job", SP, jid, reset_scope=scope)

    @rule(jid=jobs, body=UPDATES)
    def update(self, jid, body):
        self.call("update_job", SP, jid, body)

    @rule(jid=jobs, body=st.one_of(st.none(), st.just({}), st.just([])))
    def validate(self, jid, body):
        self.call("validate_credentials", SP, jid, body)

    @rule(body=CREDENTIALS, sp=st.sampled_from([SP, "", None]))
    def validate_new(self, body, sp):
        self.call("validate_job_credentials", sp, body)

    @rule(jid=jobs, body=ON_DEMAND, times=st.integers(1, 7))
    def provision_on_demand(self, jid, body, times):
        for _ in range(times):
            self.call("provision_on_demand", SP, jid, body)

    @rule(jid=consumes(jobs))
    def delete_job(self, jid):
        self.call("delete_job", SP, jid)

    @rule(method=st.sampled_from(["get_job", "start_job", "delete_job"]),
          jid=st.sampled_from(["", "nope", None, 7]))
    def unknown_job(self, method, jid):
        self.call(method, SP, jid)

    # -- faults ---------------------------------------------------------------------------
    @rule(fault=FAULTS, target_kind=st.sampled_from(["all", "job", "profile", "bogus", "sp"]),
          data=st.data(), at=st.one_of(st.none(), TIMES), duration=st.one_of(st.none(), DURATIONS))
    def add_fault(self, fault, target_kind, data, at, duration):
        kind, params = fault
        target = None
        if target_kind == "job" and self.known_jobs:
            target = "job/" + data.draw(st.sampled_from(sorted(self.known_jobs)))
        elif target_kind == "profile" and self.known_profiles:
            target = "profile/" + data.draw(st.sampled_from(sorted(self.known_profiles)))
        elif target_kind == "bogus":
            target = data.draw(st.sampled_from(["x/1", "", 5, "job"]))
        elif target_kind == "sp":
            target = f"servicePrincipal/{SP}"
        self.call("add_fault", kind, at=at, duration=duration, target=target, **params)

    # -- time -----------------------------------------------------------------------------
    @rule(seconds=st.one_of(st.integers(0, 3600), st.integers(3600, 60 * 86400),
                            st.sampled_from([28 * 86400, 29 * 86400, 60 * 86400])))
    def advance(self, seconds):
        self.call("advance", f"PT{seconds}S")

    @rule(duration=DURATIONS)
    def advance_hostile(self, duration):
        self.call("advance", duration)

    @rule(when=TIMES)
    def run_until(self, when):
        self.call("run_until", when)

    @rule(seconds=st.integers(-3600, 60 * 86400))
    def run_until_offset(self, seconds):
        self.call("run_until", self.sim.now.add(seconds=seconds))

    @rule(n=st.integers(1, 20))
    def step(self, n):
        for _ in range(n):
            STEPS["count"] += 1
            self.sim.step()

    # -- invariants -----------------------------------------------------------------------
    @invariant()
    def model_invariants(self):
        self.checker.check()

    @invariant()
    def machines_and_schedules(self):
        sim = self.sim
        obs = sim.observe
        now = sim.now
        for jid in self.known_jobs:
            try:
                states = obs.job_states(SP, jid)
            except LookupError:
                continue
            for machine, state in states.items():
                assert state in table(machine).states, (jid, machine, state)
            activity = obs.job_activity(SP, jid)
            job = obs.get_job(SP, jid)
            quarantined = states["quarantine"] != "healthy"
            assert (states["job"] == "Quarantine") <= quarantined, (jid, states)
            running = states["schedule"] == "Active" and states["job"] in ("Active", "Quarantine")
            never = job.schedule.interval is None or job.schedule.interval.days > 36525
            expired = (job.schedule.expiration is not None and job.schedule.expiration <= now)
            if running and not never and not expired and states["quarantine"] != "disabled":
                assert activity.next_begin is not None and activity.next_begin >= now, \
                    f"job/{jid} {states} runs but has no future attempt: {activity}"
            if states["schedule"] != "Active" or states["quarantine"] == "disabled":
                assert activity.next_begin is None or activity.running_since is not None, \
                    f"job/{jid} {states} is not running yet has an attempt due: {activity}"
                if job.status.quarantine is not None:
                    assert job.status.quarantine.next_attempt.year == 1, (jid, states)
            if job.status.quarantine is not None:
                assert job.status.troubleshooting_url, jid
                assert job.status.quarantine.series_count >= 0
            assert activity.cycles >= self.cycles.get(jid, 0), "cycles went backwards"
            self.cycles[jid] = activity.cycles
        for pid in self.known_profiles:
            try:
                states = obs.profile_states(pid)
            except LookupError:
                continue
            for machine, state in states.items():
                assert state in table(machine).states, (pid, machine, state)

    @invariant()
    def counters_are_monotone(self):
        """(``seq`` order itself is checked record by record by :class:`ModelInvariants`.)"""
        sim = self.sim
        assert sim.events_processed >= self.processed
        self.processed = sim.events_processed
        total = len(sim.events) + len(sim.snapshots) + len(sim.errors)
        assert total >= self.seq, "records were lost"
        self.seq = total

    @invariant()
    def resources_round_trip(self):
        obs = self.sim.observe
        for p in obs.list_profiles():
            doc = p.to_json()
            assert EducationSynchronizationProfile.from_json(doc).to_json() == doc
            status = obs.get_profile_status(p.id).to_json()
            assert EducationSynchronizationProfileStatus.from_json(status).to_json() == status
            errors = obs.list_errors(p.id)
            for e in errors[-3:]:
                doc = e.to_json()
                assert EducationSynchronizationError.from_json(doc).to_json() == doc
            ids = [e.id for e in errors]
            assert len(ids) == len(set(ids)), "duplicate error ids"
        for j in obs.list_jobs(SP):
            doc = j.to_json(include_unknown_enum_members=True)
            assert SynchronizationJob.from_json(doc).to_json(
                include_unknown_enum_members=True) == doc

    @precondition(lambda self: len(self.known_jobs) + len(self.known_profiles) > 0)
    @rule()
    def export_scenario(self):
        """Whatever was called, refused or not, the call log exports as a scenario."""
        before = _fingerprint(self.sim, self)
        text = to_scenario(self.sim)
        assert isinstance(text, str) and "timeline" in text
        assert _fingerprint(self.sim, self) == before


# CI's bounded budget (about 1,000 steps) unless a long profile is loaded: ``soak`` or
# ``noshrink`` (registered in tests/conftest.py, chosen with --hypothesis-profile).
if settings.default.max_examples >= 400:
    ModelCheck.TestCase.settings = settings(settings.default, deadline=None)
else:
    ModelCheck.TestCase.settings = settings(
        max_examples=25, stateful_step_count=40, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                               HealthCheck.data_too_large])
TestModelCheck = ModelCheck.TestCase


def test_model_check_report_steps():
    """Runs after the machine (file order): the number of steps is part of the record."""
    print(f"model check: {STEPS['count']} steps")
    assert STEPS["count"] > 0


@pytest.mark.parametrize("call", [
    lambda sim, jid: sim.restart_job(SP, jid),
    lambda sim, jid: sim.restart_job(SP, jid, reset_scope="Escrows"),
])
def test_restart_of_a_disabled_job_keeps_the_series_and_runs_again(call):
    """Found by the model check: a job disabled after 28 days, restarted without
    QuarantineState, broke advance() (InvalidTransition inside an event)."""
    sim = Simulation(seed=3)
    job = sim.create_job(SP, {"templateId": "scim"}, objects={"User": 100})
    sim.start_job(SP, job.id)
    sim.add_fault("credential_failure", target=f"job/{job.id}")
    sim.advance("P30D")
    disabled = sim.get_job(SP, job.id)
    assert disabled.schedule.state.value == "Disabled"
    call(sim, job.id)
    restarted = sim.get_job(SP, job.id)
    assert restarted.status.code.value == "Quarantine"
    assert restarted.schedule.state.value == "Active"
    assert restarted.status.quarantine.next_attempt == sim.now
    sim.advance("P2D")  # the restart's cycle fails: the series, older than 28 days, disables
    again = sim.get_job(SP, job.id)
    assert again.schedule.state.value == "Disabled"
    assert again.status.quarantine.series_began == disabled.status.quarantine.series_began
    assert again.status.quarantine.series_count == disabled.status.quarantine.series_count + 1
    assert again.status.quarantine.next_attempt.year == 1


def test_restart_of_a_disabled_job_lifts_when_the_fault_is_gone():
    sim = Simulation(seed=3)
    job = sim.create_job(SP, {"templateId": "scim"}, objects={"User": 100})
    sim.start_job(SP, job.id)
    sim.add_fault("credential_failure", target=f"job/{job.id}", duration="P29D")
    sim.advance("P30D")
    sim.restart_job(SP, job.id)
    sim.advance("PT2H")
    healed = sim.get_job(SP, job.id)
    assert healed.status.code.value == "Active" and healed.status.quarantine is None


def test_pause_then_restart_keeps_a_quarantine_and_its_status_code():
    """Found by reading the rules: a job paused while quarantined and restarted without
    QuarantineState came back 'Active' with a quarantine in effect; a successful retry then
    raised InvalidTransition from inside advance()."""
    sim = Simulation(seed=4)
    job = sim.create_job(SP, {"templateId": "scim"}, objects={"User": 100})
    sim.start_job(SP, job.id)
    sim.add_fault("credential_failure", target=f"job/{job.id}", duration="PT3H")
    sim.advance("PT1H")
    sim.pause_job(SP, job.id)
    paused = sim.get_job(SP, job.id)
    assert paused.status.code.value == "Paused" and paused.status.quarantine is not None
    assert paused.status.quarantine.next_attempt.year == 1  # paused: nothing is due
    sim.restart_job(SP, job.id)
    assert sim.get_job(SP, job.id).status.code.value == "Quarantine"
    sim.advance("P1D")  # the retries succeed once the fault is over
    healed = sim.get_job(SP, job.id)
    assert healed.status.code.value == "Active" and healed.status.quarantine is None


@pytest.mark.parametrize("value", [math.inf, math.nan, 0.5, 1001, -1, True, "3"])
def test_throttling_slowdown_must_be_finite_and_in_range(value):
    sim = Simulation(seed=1)
    job = sim.create_job(SP, {"templateId": "scim"}, objects={"User": 10})
    sim.start_job(SP, job.id)
    with pytest.raises(ValueError, match="slowdown"):
        sim.add_fault("throttling", slowdown=value)
    assert sim.faults == []
    sim.advance("P1D")  # and the job keeps running
    assert sim.job_cycle_count(SP, job.id) > 1


@pytest.mark.parametrize("target", ["P10675199DT2H48M5.4775807S", "P36526D"])
def test_advance_past_the_horizon_is_refused_and_changes_nothing(target):
    sim = Simulation(seed=1)
    before = sim.now
    with pytest.raises(ValueError, match="horizon"):
        sim.advance(target)
    assert sim.now == before
    sim.advance("PT1S")
    assert sim.now.isoformat() == "2026-09-01T08:00:01+00:00"


def test_run_until_the_end_of_time_is_refused_then_the_clock_still_works():
    sim = Simulation(seed=1)
    with pytest.raises(ValueError, match="horizon"):
        sim.run_until("9999-12-31T23:59:59Z")
    assert sim.horizon.year == 2126
    sim.run_until(sim.horizon)
    assert sim.now == sim.horizon
    with pytest.raises(ValueError, match="horizon"):
        sim.advance("PT1S")
    assert sim.now == sim.horizon  # still readable


def test_a_simulation_starting_near_the_end_of_the_calendar_stays_usable():
    sim = Simulation(seed=1, start="9999-12-31T00:00:00Z")
    assert sim.horizon.isoformat().startswith("9999-12-31T23:59:59.999999")
    job = sim.create_job(SP, {"templateId": "scim"}, objects={"User": 10})
    sim.start_job(SP, job.id)
    sim.add_fault("credential_failure")
    sim.run_until(sim.horizon)
    q = sim.get_job(SP, job.id).status.quarantine
    assert q is not None and q.next_attempt.year == 9999  # shown as the last instant


def test_a_refused_start_profile_leaves_the_call_log_exportable():
    sim = Simulation(seed=1)
    body = {"displayName": "x", "dataProvider": {
        "@odata.type": "#microsoft.graph.educationCsvDataProvider"},
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
            "userDomains": [{"appliesTo": "student", "name": "s.example.edu"}]}}
    p = sim.create_profile(body)
    logged = len(sim.call_log)
    with pytest.raises(Conflict):
        sim.start_profile(p.id)  # still provisioning
    assert len(sim.call_log) == logged


def test_posted_error_ids_are_ignored_never_duplicated():
    sim = Simulation(seed=1)
    body = {"displayName": "x", "dataProvider": {
        "@odata.type": "#microsoft.graph.educationCsvDataProvider"},
        "identitySynchronizationConfiguration": {
            "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
            "userDomains": [{"appliesTo": "student", "name": "s.example.edu"}]}}
    p = sim.create_profile(body)
    err = {"id": "mine", "entryType": "student", "errorCode": "UnmatchedEntry"}
    a = sim.create_error(p.id, err)
    b = sim.create_error(p.id, err)
    assert a.id != "mine" and b.id != "mine" and a.id != b.id
    assert [e.id for e in sim.list_errors(p.id)] == [a.id, b.id]
