"""The example client (examples/sync_watcher) checked with the kit: both planted bugs are found.

Every test runs against the fixed client (it passes) and the buggy one (a
strict xfail: the test must fail, for the documented reason).
"""

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from kit_data import PROFILE, started_profile
from sync_watcher import buggy, client
from sync_watcher.api import ApiError, HttpApi, PollingBudgetExceeded, SimulationApi

from sdssim.testing.stateful import SimulationMachine
from sdssim.testing.strategies import csv_datasets

BUG1 = "BUG 1: buggy.wait_for_sync takes unknownFutureValue (validating/extracting) for failure"
BUG2 = "BUG 2: buggy.watch_job polls a quarantined job forever"
FIXED_AND_BUGGY_SYNC = [client, pytest.param(buggy, marks=pytest.mark.xfail(
    strict=True, raises=AssertionError, reason=BUG1))]
FIXED_AND_BUGGY_JOB = [client, pytest.param(buggy, marks=pytest.mark.xfail(
    strict=True, raises=PollingBudgetExceeded, reason=BUG2))]


@pytest.mark.parametrize("watcher", FIXED_AND_BUGGY_SYNC)
def test_wait_for_sync_reports_the_finished_sync_and_its_errors(sds_sim, watcher):
    pid = started_profile(sds_sim)
    report = watcher.wait_for_sync(SimulationApi(sds_sim), pid)
    assert report.status == "error", report.summary()
    assert [e["errorCode"] for e in report.errors] == ["AzureActiveDirectoryInvalidPropertyValue"]
    assert sds_sim.get_profile_status(pid).status.value == "error"


@pytest.mark.parametrize("watcher", FIXED_AND_BUGGY_JOB)
def test_watch_job_reports_a_quarantine_instead_of_waiting(sds_sim, watcher):
    job = sds_sim.create_job("sp-1", {"templateId": "scim"}, objects={"User": 500})
    sds_sim.start_job("sp-1", job.id)
    sds_sim.add_fault("credential_failure", target=f"job/{job.id}")
    report = watcher.watch_job(SimulationApi(sds_sim), "sp-1", job.id)
    assert report.state == "quarantined"
    assert report.reason == "EncounteredQuarantineException"


def test_watch_job_reports_a_finished_cycle(sds_sim):
    job = sds_sim.create_job("sp-1", {"templateId": "scim"}, objects={"User": 300})
    sds_sim.start_job("sp-1", job.id)
    report = client.watch_job(SimulationApi(sds_sim), "sp-1", job.id)
    assert report.state == "Succeeded"


def test_the_client_over_http_against_sds_server(sds_server):
    """The same client through the fake Graph server; its sleeps move the server's clock."""
    sim = sds_server.sim
    pid = started_profile(sim)
    api = HttpApi(sds_server, sleep=sds_server.advance)
    report = client.wait_for_sync(api, pid)
    assert report.status == "error"
    assert report.errors[0]["joiningValue"] == "STU2"
    with pytest.raises(ApiError) as refused:
        api.get_profile_status("no-such-profile")
    assert refused.value.status == 404


# -- the stateful check: the kit's machine drives the service, the client must keep up ----------

class WatcherMachine(SimulationMachine):
    """Drives profiles and jobs (with faults); the client waits and reports; checks its beliefs."""

    watcher = client
    check_sync = True
    check_jobs = True
    fault_kinds = ("credential_failure", "endpoint_down", "throttle")

    def __init__(self):
        super().__init__()
        self.api = SimulationApi(self.sim, budget_seconds=3 * 86400)
        self.sync_beliefs = []  # (report, the service's true status when reported)

    @initialize(target=SimulationMachine.profiles)
    def the_schools_profile(self):
        return self.create_profile(PROFILE)

    @initialize(target=SimulationMachine.jobs)
    def the_provisioning_job(self):
        return self.create_job({"User": 2000, "Group": 40}, "sp-1")

    @precondition(lambda self: self.check_sync)
    @rule(profile=SimulationMachine.profiles, dataset=csv_datasets(defects={"missing": 0.1}))
    def start_sync_then_wait(self, profile, dataset):
        """What an admin script does: upload, start, wait for the result."""
        self.upload_and_start(profile, dataset)
        self.client_waits_for_sync(profile)

    @precondition(lambda self: self.check_sync)
    @rule(profile=SimulationMachine.profiles)
    def client_waits_for_sync(self, profile):
        self.api.reset_budget()
        try:
            report = self.watcher.wait_for_sync(self.api, profile)
        except ApiError:
            return  # the profile is gone: a refusal the client passes on is fine
        truth = self.sim.get_profile_status.__wrapped__(self.sim, profile).status.value
        self.sync_beliefs.append((report, truth))

    @precondition(lambda self: self.check_jobs)
    @rule(job=SimulationMachine.jobs)
    def start_job_then_watch(self, job):
        self.call("start_job", *job)
        self.client_watches_job(job)

    @precondition(lambda self: self.check_jobs)
    @rule(job=SimulationMachine.jobs)
    def client_watches_job(self, job):
        self.api.reset_budget()
        try:
            self.watcher.watch_job(self.api, *job)
        except ApiError:
            return

    @invariant()
    def client_never_calls_a_running_sync_finished(self):
        for report, truth in self.sync_beliefs:
            if not report.timed_out:
                assert truth not in ("validating", "extracting", "inProgress"), (
                    f"the client reported {report.status!r} while the sync was {truth!r}")
                assert report.ok == (truth == "success")


FAST = settings(max_examples=40, stateful_step_count=12, deadline=None, derandomize=True,
                database=None, suppress_health_check=[HealthCheck.too_slow])
#: finding the bug is the point here; shrinking it (slow: the buggy watcher polls for
#: three virtual days every time) is shown by the example's README command
FIND = settings(FAST, max_examples=60, phases=[Phase.explicit, Phase.generate])


def machine(watcher, *, sync=True, jobs=True):
    return type(f"WatcherMachine_{watcher.__name__.rsplit('.', 1)[-1]}", (WatcherMachine,),
                {"watcher": watcher, "check_sync": sync, "check_jobs": jobs})


def test_machine_passes_the_fixed_client(tmp_path):
    run_state_machine_as_test(machine(client), settings=FAST)


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=BUG1)
def test_machine_finds_bug_1():
    run_state_machine_as_test(machine(buggy, jobs=False), settings=FIND)


@pytest.mark.xfail(strict=True, raises=PollingBudgetExceeded, reason=BUG2)
def test_machine_finds_bug_2():
    run_state_machine_as_test(machine(buggy, sync=False), settings=FIND)
