"""Provisioning-job rules at their boundaries (domain.md §5)."""

import datetime as dt

import pytest

from sdssim import SimConfig, Simulation
from sdssim.clock import NEVER, NEVER_INTERVAL
from sdssim.errors import BadRequest, Conflict, NotFound

from .builders import started_job

SP = "sp-1"


def job_json(sim, jid):
    return sim.get_job(SP, jid).to_json()


def code(sim, jid):
    return sim.get_job(SP, jid).status.code.value


def quarantine(sim, jid):
    return job_json(sim, jid)["status"].get("quarantine")


def test_new_job_has_graph_defaults(sim):
    job = sim.create_job(SP, {"templateId": "scim"})
    assert job.schedule.state.value == "Disabled"
    assert job.schedule.interval == NEVER_INTERVAL
    assert job_json(sim, job.id)["schedule"]["interval"] == "P10675199DT2H48M5.4775807S"
    assert job.status.code.value == "NotConfigured"
    assert job.status.steady_state_first_achieved_time == NEVER
    assert job.id.startswith("scim.")
    assert [j.id for j in sim.list_jobs(SP)] == [job.id]
    assert sim.list_jobs("other-sp") == []


def test_template_id_is_required_and_status_read_only(sim):
    with pytest.raises(BadRequest):
        sim.create_job(SP, {})
    with pytest.raises(BadRequest):
        sim.create_job(SP, {"templateId": "scim", "status": {"code": "Active"}})


def test_start_runs_initial_then_incremental_cycles_every_40_minutes(sim):
    jid = started_job(sim, objects={"User": 1000})
    job = sim.get_job(SP, jid)
    assert job.status.code.value == "Active" and job.schedule.state.value == "Active"
    assert job.schedule.interval == dt.timedelta(minutes=40)
    sim.advance("P2D")
    first = sim.get_job(SP, jid).status
    initial_minutes = (first.steady_state_first_achieved_time - sim.start).total_seconds() / 60
    assert 1000 * 0.01 <= initial_minutes <= 1000 * 0.08
    last = first.last_execution
    assert last.state.value == "Succeeded"
    took = (last.time_ended - last.time_began).total_seconds() / 60
    assert 10 <= took <= 30
    assert last.count_entitled == 1000 and last.count_imported == last.count_exported
    assert first.steady_state_last_achieved_time == last.time_ended
    assert [(p.key, p.value) for p in first.synchronized_entry_count_by_type] == [("User", 1000)]
    # cycles begin every 40 minutes (or right after a longer one ends)
    began = last.time_began
    sim.advance("PT40M")
    nxt = sim.get_job(SP, jid).status.last_execution.time_began
    assert nxt - began == dt.timedelta(minutes=40)


def test_progress_is_computed_when_observed(sim):
    jid = started_job(sim, objects={"User": 1000})
    sim.advance("PT1M")
    prog = sim.get_job(SP, jid).status.progress[0]
    assert prog.total_units == 1000 and 0 < prog.completed_units < 1000
    assert prog.progress_observation_date_time == sim.now


def credential_quarantine(sim, objects=None):
    jid = started_job(sim, objects=objects or {"User": 100})
    sim.advance("P1D")
    sim.add_fault("credential_failure", target=f"job/{jid}")
    sim.advance("PT40M")
    q = sim.get_job(SP, jid).status.quarantine
    assert q is not None
    return jid, q.series_began


def test_credential_failure_quarantines_with_retry_exactly_at_plus_6h(sim):
    jid, began = credential_quarantine(sim)
    q = quarantine(sim, jid)
    assert code(sim, jid) == "Quarantine"
    # Graph: seriesCount counts the re-evaluations that left it in effect: 0 when imposed
    assert q["reason"] == "EncounteredQuarantineException" and q["seriesCount"] == 0
    assert q["currentBegan"] == q["seriesBegan"]
    assert sim.get_job(SP, jid).status.quarantine.next_attempt == began + dt.timedelta(hours=6)
    assert sim.get_job(SP, jid).status.count_successive_complete_failures == 1
    sim.run_until(began + dt.timedelta(hours=6) - dt.timedelta(seconds=1))
    assert quarantine(sim, jid)["seriesCount"] == 0
    sim.run_until(began + dt.timedelta(hours=6))
    q = quarantine(sim, jid)
    # currentBegan: when the quarantine was last evaluated and imposed
    assert q["seriesCount"] == 1 and q["seriesBegan"] != q["currentBegan"]
    assert sim.get_job(SP, jid).status.quarantine.current_began == began + dt.timedelta(hours=6)


def test_escalation_offsets_6_12_24_then_every_24h(sim):
    jid, began = credential_quarantine(sim)
    attempts = []
    for _ in range(6):
        q = sim.get_job(SP, jid).status.quarantine
        attempts.append((q.next_attempt - began).total_seconds() / 3600)
        sim.run_until(q.next_attempt)
    assert attempts == [6, 12, 24, 48, 72, 96]
    states = [e.to_state for e in sim.events if e.machine == "quarantine"]
    assert states[:5] == ["healthy", "retry6h", "retry12h", "retry24h", "daily"]


def test_disabled_at_28_days_not_before(sim):
    jid, began = credential_quarantine(sim)
    sim.run_until(began + dt.timedelta(days=28) - dt.timedelta(seconds=1))
    job = sim.get_job(SP, jid)
    assert job.schedule.state.value == "Active"
    sim.run_until(began + dt.timedelta(days=28))
    job = sim.get_job(SP, jid)
    assert job.schedule.state.value == "Disabled"
    assert job.status.code.value == "Quarantine"
    assert job.status.quarantine.series_count == 30  # 3 early retries + 27 daily re-evaluations
    last_q = [e for e in sim.events if e.machine == "quarantine"][-1]
    assert last_q.to_state == "disabled"
    sim.advance("P10D")  # disabled jobs do not run
    assert sim.get_job(SP, jid).status.quarantine.series_count == 30


def test_successful_retry_lifts_and_resets_the_series(sim):
    jid = started_job(sim, objects={"User": 100})
    sim.advance("P1D")
    sim.add_fault("credential_failure", target=f"job/{jid}", duration="PT7H")
    sim.advance("PT40M")
    began = sim.get_job(SP, jid).status.quarantine.series_began
    sim.run_until(began + dt.timedelta(hours=6))
    assert code(sim, jid) == "Quarantine"  # fault still active at +6h
    sim.run_until(began + dt.timedelta(hours=12, minutes=31))
    job = sim.get_job(SP, jid)
    assert job.status.code.value == "Active" and job.status.quarantine is None
    assert job.status.count_successive_complete_failures == 0


def test_start_lifts_the_quarantine(sim):
    jid, _ = credential_quarantine(sim)
    sim.start_job(SP, jid)
    job = sim.get_job(SP, jid)
    assert job.status.code.value == "Active" and job.status.quarantine is None


def test_restart_lifts_only_with_quarantine_state(sim):
    jid, _ = credential_quarantine(sim)
    sim.restart_job(SP, jid, reset_scope="Watermark")
    assert code(sim, jid) == "Quarantine"
    sim.restart_job(SP, jid, reset_scope="QuarantineState")
    assert code(sim, jid) == "Active"
    assert sim.get_job(SP, jid).status.quarantine is None


def test_endpoint_down_quarantines_too(sim):
    jid = started_job(sim, objects={"User": 100})
    sim.advance("P1D")
    sim.add_fault("endpoint_down", target=f"job/{jid}")
    sim.advance("PT40M")
    assert quarantine(sim, jid)["error"]["code"] == "HttpEndpointUnavailable"


@pytest.mark.parametrize("failures,expected", [(4999, "Active"), (5000, "Paused")])
def test_escrow_threshold_boundary_in_the_initial_cycle_prunes(sim, failures, expected):
    """Graph's escrowsPruned: in the initial cycle the threshold that would quarantine
    clears the escrows instead; the cycle completes and the job pauses."""
    sim.add_fault("entry_failures", count=failures)
    jid = started_job(sim, objects={"User": 10_000})
    sim.advance("P1D")
    assert code(sim, jid) == expected
    status = job_json(sim, jid)["status"]
    assert status["lastExecution"]["state"] == "EntryLevelErrors"
    assert status.get("quarantine") is None
    assert status["escrowsPruned"] is (expected == "Paused")
    if expected == "Paused":
        assert job_json(sim, jid)["schedule"]["state"] == "Paused"
        # the initial cycle completed: every object is synchronized, the rest exported
        assert status["synchronizedEntryCountByType"] == [{"key": "User", "value": 10_000}]
        assert status["lastSuccessfulExecutionWithExports"]["countExported"] == 5000
        # "didn't have any errors": a cycle with entry-level errors is not successful
        assert status.get("lastSuccessfulExecution") is None
        sim.advance("P2D")  # paused: nothing more runs
        assert sim.job_cycle_count(SP, jid) == 1


def full_cycle_with_failures(sim, failures, objects):
    """A job past its initial cycle restarted (a full cycle) while ``failures`` entries fail."""
    jid = started_job(sim, objects={"User": objects})
    sim.advance("P2D")
    sim.add_fault("entry_failures", count=failures, target=f"job/{jid}")
    sim.restart_job(SP, jid)
    sim.advance("P1D")
    return jid


@pytest.mark.parametrize("failures,expected", [(4999, "Active"), (5000, "Quarantine")])
def test_escrow_proportion_threshold_after_the_initial_cycle_quarantines(failures, expected):
    sim = Simulation(seed=5, config=SimConfig(initial_minutes_per_object=(0.001, 0.001)))
    jid = full_cycle_with_failures(sim, failures, 10_000)
    assert code(sim, jid) == expected
    if expected == "Quarantine":
        assert quarantine(sim, jid)["reason"] == "EncounteredEscrowProportionThreshold"
        assert job_json(sim, jid)["status"]["escrowsPruned"] is False


def test_total_escrow_threshold_over_40000():
    sim = Simulation(seed=5, config=SimConfig(initial_minutes_per_object=(0.001, 0.001)))
    jid = full_cycle_with_failures(sim, 45_000, 200_000)
    assert quarantine(sim, jid)["reason"] == "EncounteredTotalEscrowThreshold"


def test_base_escrow_threshold_when_escrows_accumulate_to_the_cap():
    """sdssim's rule for EncounteredBaseEscrowThreshold: incremental cycles' escrows add up
    (each below the other thresholds) until they reach the cap."""
    cfg = SimConfig(initial_minutes_per_object=(0.001, 0.001), escrow_cap=300,
                    escrow_min_failures=10_000)
    sim = Simulation(seed=5, config=cfg)
    jid = started_job(sim, objects={"User": 10_000})
    sim.advance("P1D")
    sim.add_fault("entry_failures", count=40, target=f"job/{jid}")
    sim.advance("P1D")
    q = quarantine(sim, jid)
    assert q["reason"] == "EncounteredBaseEscrowThreshold"


def test_reference_failures_are_excluded(sim):
    sim.add_fault("entry_failures", count=6000, reference=True)
    jid = started_job(sim, objects={"User": 10_000})
    sim.advance("P1D")
    assert code(sim, jid) == "Active"


def test_escrow_cap_in_initial_cycle_prunes_and_pauses():
    sim = Simulation(seed=5, config=SimConfig(initial_minutes_per_object=(0.001, 0.001)))
    sim.add_fault("entry_failures", count=70_000)
    jid = started_job(sim, objects={"User": 100_000})
    sim.advance("P1D")
    job = sim.get_job(SP, jid)
    assert job.status.escrows_pruned is True
    assert job.status.code.value == "Paused" and job.schedule.state.value == "Paused"


@pytest.mark.parametrize("deletes,setting,expected", [
    (500, None, "Active"), (501, None, "Quarantine"), (501, "1000", "Active"),
    (1001, "1000", "Quarantine"),
])
def test_too_many_deletes_threshold(sim, deletes, setting, expected):
    body = {"templateId": "scim"}
    if setting:
        body["synchronizationJobSettings"] = [
            {"name": "QuarantineTooManyDeletesThreshold", "value": setting}]
    jid = started_job(sim, objects={"User": 5000}, body=body)
    sim.advance("P1D")
    sim.add_fault("mass_deletes", count=deletes, target=f"job/{jid}")
    sim.advance("PT75M")  # the next cycle begins within 40 min and lasts at most 30
    assert code(sim, jid) == expected
    if expected == "Quarantine":
        assert quarantine(sim, jid)["reason"] == "TooManyDeletes"


def test_force_deletes_lets_the_deletions_through(sim):
    jid = started_job(sim, objects={"User": 5000})
    sim.advance("P1D")
    sim.add_fault("mass_deletes", count=1200, target=f"job/{jid}")
    sim.advance("PT75M")
    assert quarantine(sim, jid)["reason"] == "TooManyDeletes"
    sim.restart_job(SP, jid, reset_scope="ForceDeletes")
    sim.advance("PT2H")
    job = sim.get_job(SP, jid)
    assert job.status.code.value == "Active" and job.status.quarantine is None
    assert {p.key: p.value for p in job.status.synchronized_entry_count_by_type} == {"User": 3800}


def test_reset_scope_effects(sim):
    jid = started_job(sim, objects={"User": 1000})
    sim.add_fault("entry_failures", count=10, target=f"job/{jid}", duration="P1DT12H")
    sim.advance("P1D")
    assert sim.get_job(SP, jid).status.last_execution.count_escrowed == 10
    sim.restart_job(SP, jid, reset_scope="Watermark")
    sim.advance("P1D")
    # Watermark: the next cycle re-imports everything (a full cycle)
    full = [e for e in sim.snapshots if e.subject == f"job/{jid}"]
    assert full  # snapshots were taken
    imported = sim.get_job(SP, jid).status.last_successful_execution.count_imported
    assert imported < 1000  # back to incremental after the full cycle
    sim.restart_job(SP, jid, reset_scope="ConnectorDataStore")
    assert sim.get_job(SP, jid).status.synchronized_entry_count_by_type == ()
    sim.advance("P1D")
    assert sim.get_job(SP, jid).status.synchronized_entry_count_by_type[0].value == 1000
    with pytest.raises(BadRequest):
        sim.restart_job(SP, jid, reset_scope="Everything")


def test_watermark_restart_runs_a_full_cycle():
    sim = Simulation(seed=9)
    jid = started_job(sim, objects={"User": 1000})
    sim.advance("P1D")
    restarted = sim.now
    sim.restart_job(SP, jid, reset_scope="Watermark")
    sim.advance("PT90M")  # at most 1000 * 0.08 = 80 minutes
    full = [s.data["status"]["lastExecution"] for s in sim.snapshots
            if s.subject == f"job/{jid}" and s.time > restarted
            and "lastExecution" in s.data["status"]]
    assert full[0]["countImported"] == 1000 and full[0]["countImportedDeltas"] == 0
    assert full[0]["timeBegan"] == restarted.format("YYYY-MM-DDTHH:mm:ss[Z]")


def test_escrows_scope_clears_pruning():
    sim = Simulation(seed=5, config=SimConfig(initial_minutes_per_object=(0.001, 0.001)))
    sim.add_fault("entry_failures", count=70_000, duration="PT1H")
    jid = started_job(sim, objects={"User": 100_000})
    sim.advance("P1D")
    assert sim.get_job(SP, jid).status.escrows_pruned
    sim.restart_job(SP, jid, reset_scope="Escrows")
    assert sim.get_job(SP, jid).status.escrows_pruned is False
    sim.advance("P1D")
    assert code(sim, jid) == "Active"


def test_pause_stop_apply_and_validate_credentials(sim):
    job = sim.create_job(SP, {"templateId": "scim"})
    jid = job.id
    sim.apply_job(SP, jid)
    assert code(sim, jid) == "NotRun"
    sim.start_job(SP, jid)
    sim.pause_job(SP, jid)
    assert code(sim, jid) == "Paused" and job_json(sim, jid)["schedule"]["state"] == "Paused"
    cycles = sum(1 for _ in sim.snapshots)
    sim.advance("P1D")
    assert sum(1 for _ in sim.snapshots) == cycles  # nothing runs while paused
    sim.stop_job(SP, jid)
    assert code(sim, jid) == "NotRun" and job_json(sim, jid)["schedule"]["state"] == "Disabled"
    other = sim.create_job(SP, {"templateId": "scim"}).id
    sim.add_fault("credential_failure", target=f"job/{other}", duration="PT1H")
    with pytest.raises(BadRequest) as info:
        sim.validate_credentials(SP, other)
    assert info.value.code == "CredentialValidationFailed"
    sim.advance("PT1H")
    sim.validate_credentials(SP, other)
    assert code(sim, other) == "NotRun"


def test_pause_of_not_configured_job_is_409(sim):
    jid = sim.create_job(SP, {"templateId": "scim"}).id
    with pytest.raises(Conflict):
        sim.pause_job(SP, jid)


def test_update_interval_and_read_only_fields(sim):
    jid = started_job(sim, objects={"User": 100})
    sim.update_job(SP, jid, {"schedule": {"interval": "PT1H"}})
    assert sim.get_job(SP, jid).schedule.interval == dt.timedelta(hours=1)
    sim.advance("P1D")
    a = sim.get_job(SP, jid).status.last_execution.time_began
    sim.advance("PT1H")
    assert sim.get_job(SP, jid).status.last_execution.time_began - a == dt.timedelta(hours=1)
    for body in ({"status": {}}, {"schedule": {"interval": "soon"}}, {"templateId": "other"},
                 {"schedule": {"state": "Paused"}}):
        with pytest.raises(BadRequest):
            sim.update_job(SP, jid, body)


def test_delete_job_then_404(sim):
    jid = started_job(sim)
    sim.delete_job(SP, jid)
    with pytest.raises(NotFound):
        sim.get_job(SP, jid)
    with pytest.raises(NotFound):
        sim.get_job("another-sp", "x")
    sim.advance("P1D")  # its scheduled cycles are dropped


def test_throttling_slows_cycles():
    fast, slow = Simulation(seed=4), Simulation(seed=4)
    slow.add_fault("throttling", slowdown=3.0)
    jf, js = started_job(fast), started_job(slow)
    fast.advance("P2D")
    slow.advance("P2D")

    def took(s, j):
        ex = s.get_job(SP, j).status.steady_state_first_achieved_time
        return (ex - s.start).total_seconds()
    assert took(slow, js) == pytest.approx(3 * took(fast, jf), abs=3)


def test_schema_lists_the_object_types(sim):
    jid = started_job(sim, objects={"User": 10, "Group": 2})
    schema = sim.get_job_schema(SP, jid).to_json()
    names = [o["name"] for o in schema["directories"][0]["objects"]]
    assert names == ["User", "Group"]


@pytest.mark.parametrize("reason", ["QuarantinedOnDemand", "IngestionInterrupted",
                                    "EncounteredBaseEscrowThreshold", "Unknown"])
def test_quarantine_fault_quarantines_with_the_given_reason(sim, reason):
    jid = started_job(sim, objects={"User": 100})
    sim.advance("P1D")
    sim.add_fault("quarantine", reason=reason, target=f"job/{jid}", duration="PT1H")
    sim.advance("PT41M")
    q = quarantine(sim, jid)
    assert q["reason"] == reason and q["error"]["code"] == reason
    assert sim.get_job(SP, jid).status.count_successive_complete_failures == 0
    sim.advance("PT7H")
    assert code(sim, jid) == "Active"  # the fault is over: the +6 h attempt succeeds


def test_quarantine_fault_refuses_unknown_reasons(sim):
    with pytest.raises(BadRequest):
        sim.add_fault("quarantine", reason="Bored")


def test_next_attempt_is_never_in_the_past():
    sim = Simulation(seed=3)
    sim.add_fault("entry_failures", rate=0.5, duration="P2D")
    jid = started_job(sim, objects={"User": 12_000})  # initial cycles take 2-16 hours
    for _ in range(40):
        sim.advance("PT1H")
        q = sim.get_job(SP, jid).status.quarantine
        if q is not None:
            assert q.next_attempt >= q.current_began
            assert q.next_attempt >= sim.now or sim.get_job(SP, jid).status.progress


def test_escrow_threshold_quarantine_records_an_error(sim):
    jid = full_cycle_with_failures(sim, 6000, 10_000)
    assert [e.data["code"] for e in sim.errors if e.subject == f"job/{jid}"][0] == \
        "EntryLevelErrors"


def test_restart_lifts_the_quarantine_of_a_job_paused_while_quarantined(sim):
    jid, _ = credential_quarantine(sim)
    sim.pause_job(SP, jid)
    assert code(sim, jid) == "Paused" and quarantine(sim, jid) is not None
    events = len(sim.events)
    sim.restart_job(SP, jid, reset_scope="QuarantineState")
    assert len(sim.events) > events
    job = sim.get_job(SP, jid)
    assert job.status.code.value == "Active" and job.status.quarantine is None


@pytest.mark.parametrize("scope", [None, "Escrows", "Watermark", "ConnectorDataStore",
                                   "QuarantineState", "ForceDeletes", "Full"])
def test_restart_reprocesses_every_object_whatever_the_scope(sim, scope):
    """Graph: restart forces the job to reprocess all the objects in the directory."""
    jid = started_job(sim, objects={"User": 1000})
    sim.advance("P1D")
    assert sim.get_job(SP, jid).status.last_execution.count_imported < 1000
    if scope is None:
        sim.restart_job(SP, jid)
    else:
        sim.restart_job(SP, jid, reset_scope=scope)
    restarted = sim.now
    for _ in range(100):  # a full cycle of 1,000 objects lasts 10 to 80 minutes
        sim.advance("PT1M")
        last = sim.get_job(SP, jid).status.last_execution
        if last.time_began == restarted:
            break
    assert last.time_began == restarted and last.count_imported == 1000
