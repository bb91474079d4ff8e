"""provisionOnDemand, collection-level validateCredentials, 503/504 request faults,
schedule.expiration, the "never" interval and troubleshootingUrl, at their boundaries."""

import json

import pytest

from sdssim import SimConfig, Simulation
from sdssim.errors import BadRequest, GatewayTimeout, ServiceUnavailable, Throttled

SP = "sp-1"
SUBJECT = {"parameters": [{"ruleId": "r1", "subjects": [
    {"objectId": "u-1", "objectTypeName": "User"}]}]}


def configured(sim, objects=None):
    job = sim.create_job(SP, {"templateId": "scim"}, objects=objects or {"User": 100})
    sim.start_job(SP, job.id)
    return job.id


def test_provision_on_demand_answers_the_steps():
    sim = Simulation(seed=1)
    jid = configured(sim)
    result = sim.provision_on_demand(SP, jid, SUBJECT)
    assert result.key == "provisioningSteps"
    steps = json.loads(result.value)
    assert steps == [{"objectId": "u-1", "objectTypeName": "User", "status": "success",
                      "statusDetails": "The User was provisioned to the target application.",
                      "errorCode": None, "timestamp": "2026-09-01T08:00:00Z"}]


def test_provision_on_demand_reports_a_complete_failure():
    sim = Simulation(seed=1)
    jid = configured(sim)
    sim.add_fault("credential_failure", target=f"job/{jid}")
    steps = json.loads(sim.provision_on_demand(SP, jid, SUBJECT).value)
    assert steps[0]["status"] == "failure" and steps[0]["errorCode"] == "CredentialsInvalid"


def test_provision_on_demand_allows_5_requests_per_10_seconds():
    sim = Simulation(seed=1)
    jid = configured(sim)
    for _ in range(5):
        sim.provision_on_demand(SP, jid, SUBJECT)
    logged = len(sim.call_log)
    with pytest.raises(Throttled) as info:
        sim.provision_on_demand(SP, jid, SUBJECT)
    assert info.value.status == 429 and info.value.retry_after == 10
    assert len(sim.call_log) == logged  # refused: nothing changed
    sim.advance("PT9S")
    with pytest.raises(Throttled) as info:
        sim.provision_on_demand(SP, jid, SUBJECT)
    assert info.value.retry_after == 1
    sim.advance("PT1S")  # the first request leaves the window
    sim.provision_on_demand(SP, jid, SUBJECT)
    # rate_limit=False leaves the count to the caller (the HTTP server counts wall seconds)
    sim.provision_on_demand(SP, jid, SUBJECT, rate_limit=False)


def test_provision_on_demand_limit_is_configurable():
    sim = Simulation(seed=1, config=SimConfig(provision_on_demand_requests=2,
                                              provision_on_demand_window="PT1M"))
    jid = configured(sim)
    sim.provision_on_demand(SP, jid, SUBJECT)
    sim.provision_on_demand(SP, jid, SUBJECT)
    with pytest.raises(Throttled) as info:
        sim.provision_on_demand(SP, jid, SUBJECT)
    assert info.value.retry_after == 60


@pytest.mark.parametrize("body", [
    {}, {"parameters": []}, {"parameters": [{"subjects": []}]}, None, [],
    {"parameters": [{"subjects": [{"objectId": "u", "objectTypeName": "Printer"}]}]},
    {"parameters": [{"subjects": [{"objectId": f"u{i}", "objectTypeName": "User"}
                                  for i in range(6)]}]},
])
def test_provision_on_demand_refuses_bad_bodies_without_counting_them(body):
    sim = Simulation(seed=1)
    jid = configured(sim)
    for _ in range(6):
        with pytest.raises(BadRequest):
            sim.provision_on_demand(SP, jid, body)
    sim.provision_on_demand(SP, jid, SUBJECT)  # refusals took no slot


def test_provision_on_demand_needs_a_configured_job():
    sim = Simulation(seed=1)
    job = sim.create_job(SP, {"templateId": "scim"})
    with pytest.raises(BadRequest, match="not configured"):
        sim.provision_on_demand(SP, job.id, SUBJECT)


def test_collection_validate_credentials():
    sim = Simulation(seed=1)
    good = {"templateId": "scim", "credentials": [{"key": "SecretToken", "value": "s"}]}
    sim.validate_job_credentials(SP, good)
    sim.validate_job_credentials(SP, {"useSavedCredentials": True})
    with pytest.raises(BadRequest) as info:
        sim.validate_job_credentials(SP, {"templateId": "scim"})
    assert info.value.code == "CredentialValidationFailed"
    sim.add_fault("credential_failure", target=f"servicePrincipal/{SP}")
    with pytest.raises(BadRequest) as info:
        sim.validate_job_credentials(SP, good)
    assert info.value.code == "CredentialValidationFailed"
    sim.validate_job_credentials("another-sp", good)  # the fault is aimed at SP only


@pytest.mark.parametrize("kind,cls,status", [("unavailable", ServiceUnavailable, 503),
                                             ("gateway_timeout", GatewayTimeout, 504)])
@pytest.mark.parametrize("retry_after", [None, 7])
def test_503_and_504_faults_refuse_the_next_requests(kind, cls, status, retry_after):
    sim = Simulation(seed=1)
    jid = configured(sim)
    params = {"requests": 2} if retry_after is None else {"requests": 2,
                                                         "retry_after": retry_after}
    sim.add_fault(kind, **params)
    for _ in range(2):
        with pytest.raises(cls) as info:
            sim.get_job(SP, jid)
        assert info.value.status == status and info.value.retry_after == retry_after
    assert sim.get_job(SP, jid).id == jid  # the third goes through
    assert sim.faults[0].to_json()["remaining"] == 0


def test_schedule_expiration_stops_cycles():
    sim = Simulation(seed=1)
    job = sim.create_job(SP, {"templateId": "scim", "schedule": {
        "expiration": "2026-09-02T08:00:00Z"}}, objects={"User": 100})
    sim.start_job(SP, job.id)
    sim.advance("P1D")
    cycles = sim.job_cycle_count(SP, job.id)
    assert cycles > 30
    sim.advance("PT1H")
    after = sim.get_job(SP, job.id)
    assert after.schedule.state.value == "Disabled"
    assert [e.trigger for e in sim.events if e.machine == "schedule"][-1] == "expire"
    sim.advance("P3D")
    assert sim.job_cycle_count(SP, job.id) == cycles + 0 or \
        sim.job_cycle_count(SP, job.id) == cycles + 1  # one may begin exactly before expiry
    last = sim.get_job(SP, job.id).status.last_execution.time_began
    assert last < after.schedule.expiration


def test_patched_expiration_in_the_past_stops_at_the_next_cycle():
    sim = Simulation(seed=1)
    jid = configured(sim)
    sim.advance("PT3H")
    sim.update_job(SP, jid, {"schedule": {"expiration": "2026-09-01T09:00:00Z"}})
    sim.advance("PT2H")
    assert sim.get_job(SP, jid).schedule.state.value == "Disabled"
    assert sim.observe.job_activity(SP, jid).next_begin is None


def test_never_interval_stops_further_cycles():
    sim = Simulation(seed=1)
    jid = configured(sim)
    sim.advance("PT3H")
    sim.update_job(SP, jid, {"schedule": {"interval": "P10675199DT2H48M5.4775807S"}})
    sim.advance("PT2H")
    count = sim.job_cycle_count(SP, jid)
    sim.advance("P2D")
    assert sim.job_cycle_count(SP, jid) == count
    assert sim.get_job(SP, jid).to_json()["schedule"]["interval"] == "P10675199DT2H48M5.4775807S"


def test_troubleshooting_url_is_set_only_while_quarantined():
    sim = Simulation(seed=1)
    jid = configured(sim)
    assert sim.get_job(SP, jid).status.troubleshooting_url is None
    sim.add_fault("credential_failure", target=f"job/{jid}", duration="PT2H")
    sim.advance("PT1H")
    url = sim.get_job(SP, jid).status.troubleshooting_url
    assert url and url.startswith("https://learn.microsoft.com/")
    sim.start_job(SP, jid)
    assert sim.get_job(SP, jid).status.troubleshooting_url is None


@pytest.mark.parametrize("reason", ["QuarantinedOnDemand", "IngestionInterrupted", "Unknown"])
def test_reasons_no_rule_gives_come_from_the_quarantine_fault(reason):
    sim = Simulation(seed=1)
    jid = configured(sim)
    sim.add_fault("quarantine", reason=reason, target=f"job/{jid}")
    sim.advance("PT1H")
    assert sim.get_job(SP, jid).status.quarantine.reason.value == reason


@pytest.mark.parametrize("value", ["²", "1" * 11, "", "-1", 5])
def test_deletes_threshold_setting_is_ascii_digits(value):
    sim = Simulation(seed=1)
    with pytest.raises(BadRequest):
        sim.create_job(SP, {"templateId": "scim", "synchronizationJobSettings": [
            {"name": "QuarantineTooManyDeletesThreshold", "value": value}]})
    assert sim.list_jobs(SP) == []
