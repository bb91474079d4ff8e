"""Profile rules at their boundaries (domain.md §1–§4)."""

import pytest

from sdssim import SimConfig, Simulation
from sdssim.errors import BadRequest, Conflict, Forbidden, NotFound, StartRejected

from .builders import (
    ONEROSTER_PROVIDER,
    good_files,
    profile_body,
    provisioned_csv,
    uploaded,
)


def status(sim, pid, include=True):
    return sim.get_profile_status(pid).to_json(include_unknown_enum_members=include)["status"]


# -- provisioning and deletion ------------------------------------------------------------

def test_provisioning_takes_five_virtual_minutes(sim):
    p = sim.create_profile(profile_body())
    assert p.state.value == "provisioning" and p.id
    sim.advance("PT4M59S")
    assert sim.get_profile(p.id).state.value == "provisioning"
    sim.advance("PT1S")
    assert sim.get_profile(p.id).state.value == "provisioned"
    assert status(sim, p.id) == "paused"  # a fresh CSV profile is paused until started


def test_injected_fault_fails_provisioning(sim):
    sim.add_fault("provisioning_failure", duration="PT10M")
    p = sim.create_profile(profile_body())
    sim.advance("PT5M")
    assert sim.get_profile(p.id).state.value == "provisioningFailed"


def test_identity_creation_without_domains_fails_provisioning(sim):
    ident = {"@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
             "userDomains": []}
    p = sim.create_profile(profile_body(identity=ident))
    sim.advance("PT5M")
    assert sim.get_profile(p.id).state.value == "provisioningFailed"
    assert "no user domains" in sim.get_profile_status(p.id).status_message


@pytest.mark.parametrize("body,field", [
    ({"dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"}},
     "displayName"),
    ({"displayName": "x", "dataProvider": {"@odata.type": "#microsoft.graph.nope"}}, "dataProvider"),
    ({"displayName": 5}, "displayName"),
    ({"displayName": "x", "bogus": 1}, "bogus"),
])
def test_malformed_create_bodies_are_400_naming_the_field(sim, body, field):
    with pytest.raises(BadRequest) as info:
        sim.create_profile(body)
    assert info.value.status == 400 and field in info.value.message


def test_delete_goes_through_deleting_then_404(sim):
    pid = provisioned_csv(sim)
    sim.delete_profile(pid)
    assert sim.get_profile(pid).state.value == "deleting"
    sim.advance("PT2M")
    with pytest.raises(NotFound) as info:
        sim.get_profile(pid)
    assert info.value.status == 404 and info.value.code == "itemNotFound"
    assert [e.trigger for e in sim.events if e.machine == "profile"][-1] == "deletion_succeeded"


def test_deletion_failure_then_retry(sim):
    pid = provisioned_csv(sim)
    sim.add_fault("deletion_failure", duration="PT5M", target=f"profile/{pid}")
    sim.delete_profile(pid)
    sim.advance("PT2M")
    assert sim.get_profile(pid).state.value == "deletionFailed"
    sim.advance("PT5M")
    sim.delete_profile(pid)  # retry allowed from deletionFailed
    sim.advance("PT2M")
    assert pid not in [p.id for p in sim.list_profiles()]


def test_delete_while_provisioning_is_409(sim):
    p = sim.create_profile(profile_body())
    with pytest.raises(Conflict) as info:
        sim.delete_profile(p.id)
    assert info.value.status == 409


# -- upload URL -------------------------------------------------------------------------------

def test_upload_url_valid_for_exactly_one_hour(sim):
    pid = provisioned_csv(sim)
    url = sim.get_upload_url(pid)
    assert url.startswith("https://") and pid in url and "se=" in url
    sim.advance("PT59M59S")
    sim.upload_files(pid, {"School.csv": "SIS ID,Name\n1,A\n"})
    sim.advance("PT5M")
    sim.get_upload_url(pid)
    sim.advance("PT1H")
    with pytest.raises(Forbidden) as info:
        sim.upload_files(pid, {"School.csv": "SIS ID,Name\n1,A\n"})
    assert info.value.status == 403


def test_upload_url_is_409_while_previous_upload_processes(sim):
    pid = provisioned_csv(sim)
    sim.get_upload_url(pid)
    sim.upload_files(pid, good_files())
    with pytest.raises(Conflict):
        sim.get_upload_url(pid)
    with pytest.raises(Conflict):
        sim.start_profile(pid)
    sim.advance("PT5M")
    assert sim.get_upload_url(pid)


def test_upload_url_and_start_are_400_for_api_providers(sim):
    p = sim.create_profile(profile_body(provider=ONEROSTER_PROVIDER))
    sim.advance("PT5M")
    for call in (sim.get_upload_url, sim.start_profile):
        with pytest.raises(BadRequest) as info:
            call(p.id)
        assert info.value.status == 400


def test_upload_before_provisioned_is_409(sim):
    p = sim.create_profile(profile_body())
    with pytest.raises(Conflict):
        sim.get_upload_url(p.id)


def test_lowercase_file_names_are_accepted_and_unknown_names_refused(sim):
    pid = provisioned_csv(sim)
    sim.get_upload_url(pid)
    files = {k.lower(): v for k, v in good_files().items()}
    sim.upload_files(pid, files)
    sim.advance("PT5M")
    assert sim.start_profile(pid) == []
    sim.advance("PT1H")
    sim.get_upload_url(pid)
    with pytest.raises(BadRequest):
        sim.upload_files(pid, {"Grades.csv": "x"})


# -- start: errors vs warnings ------------------------------------------------------------------

def test_missing_file_is_an_error_and_blocks_the_start(sim):
    files = good_files()
    del files["TeacherRoster.csv"]
    pid = uploaded(sim, files)
    with pytest.raises(StartRejected) as info:
        sim.start_profile(pid)
    assert info.value.status == 400
    assert [m.type.value for m in info.value.messages] == ["Error"]
    assert "TeacherRoster.csv" in info.value.messages[0].description
    assert status(sim, pid) == "paused"  # refused: nothing changed, the sync did not start
    sim.reset_profile(pid)  # reset re-validates the same files in its validating phase
    sim.advance("PT2M")
    assert status(sim, pid) == "validationError"


def test_duplicates_are_errors_with_the_documented_template(sim):
    files = good_files()
    files["Student.csv"] += "st0,1,dup@students.example.edu\n"
    pid = uploaded(sim, files)
    with pytest.raises(StartRejected) as info:
        sim.start_profile(pid)
    assert ("1 duplicates found in column SIS ID which requires values to be Unique."
            in [m.description for m in info.value.messages])


def test_warnings_do_not_block_and_become_entry_errors(sim):
    files = good_files()
    files["Student.csv"] += "st9,1,\nst10,77,x@students.example.edu\nst11,1,has space\n"
    pid = uploaded(sim, files)
    messages = sim.start_profile(pid)
    texts = sorted(m.description for m in messages)
    assert texts == sorted([
        "1 row(s) have missing data for the field - Username",
        "1 row(s) have invalid format for the field - Username",
        "1 row(s) have referenced data not found in source. Field - School SIS ID",
    ])
    assert all(m.type.value == "Warning" for m in messages)
    sim.advance("PT1H")
    assert status(sim, pid) == "error"
    errors = sim.list_errors(pid)
    assert sorted(e.joining_value for e in errors) == ["st10", "st11", "st9"]
    assert {e.error_code for e in errors} == {"AzureActiveDirectoryInvalidPropertyValue",
                                              "InvalidLookupReference"}
    assert all(e.entry_type == "student" and e.recorded_date_time is not None for e in errors)
    assert sim.get_profile_status(pid).error_count == 3


def test_missing_column_is_an_error(sim):
    files = good_files()
    files["School.csv"] = "SIS ID,School Name\n1,North\n"  # headers are case-sensitive
    pid = uploaded(sim, files)
    with pytest.raises(StartRejected) as info:
        sim.start_profile(pid)
    assert any("Name" in m.description for m in info.value.messages)


def test_too_many_rows_is_an_error():
    sim = Simulation(seed=1, config=SimConfig(max_rows_per_file=2))
    pid = uploaded(sim, good_files(students=3))
    with pytest.raises(StartRejected) as info:
        sim.start_profile(pid)
    assert any("at most 2" in m.description for m in info.value.messages)


# -- the sync lifecycle ---------------------------------------------------------------------------

def test_clean_sync_walks_validating_extracting_inprogress_success(sim):
    pid = uploaded(sim)
    assert sim.start_profile(pid) == []
    seen = [status(sim, pid)]
    for step in ("PT2M", "PT3M", "PT6M"):
        sim.advance(step)
        seen.append(status(sim, pid))
    assert seen == ["validating", "extracting", "inProgress", "success"]
    done = [e for e in sim.events if e.trigger == "sync_succeeded"]
    assert len(done) == 1
    assert sim.get_profile_status(pid).last_synchronization_date_time == done[0].time


def test_evolvable_members_hidden_without_prefer(sim):
    pid = uploaded(sim)
    sim.start_profile(pid)
    assert status(sim, pid, include=False) == "unknownFutureValue"
    assert status(sim, pid, include=True) == "validating"
    sim.advance("PT2M")
    assert status(sim, pid, include=False) == "unknownFutureValue"
    sim.advance("PT3M")
    assert status(sim, pid, include=False) == "inProgress"


def test_api_provider_syncs_on_its_own_and_again_a_day_later(sim):
    p = sim.create_profile(profile_body(provider=ONEROSTER_PROVIDER))
    sim.advance("PT5M")
    assert status(sim, p.id) == "validating"
    sim.advance("PT2H")
    assert status(sim, p.id) == "success"
    starts = lambda: sum(1 for e in sim.events if e.trigger == "start")  # noqa: E731
    before = starts()
    sim.advance("P1D")
    assert starts() == before + 1


def test_quarantine_threshold_boundary_4999_vs_5000(fast_sim):
    results = {}
    for count in (4999, 5000):
        sim = Simulation(seed=3, config=fast_sim.config)
        sim.add_fault("entry_failures", count=count)
        p = sim.create_profile(profile_body(provider=ONEROSTER_PROVIDER))
        sim.advance("PT2H")
        results[count] = (status(sim, p.id), sim.get_profile_status(p.id).error_count)
    assert results[4999] == ("error", 4999)
    assert results[5000] == ("quarantined", 5000)


def test_reference_failures_do_not_count_towards_quarantine(fast_sim):
    fast_sim.add_fault("entry_failures", count=6000, reference=True)
    p = fast_sim.create_profile(profile_body(provider=ONEROSTER_PROVIDER))
    fast_sim.advance("PT2H")
    assert status(fast_sim, p.id) == "error"
    assert {e.error_code for e in fast_sim.list_errors(p.id)} == {"InvalidLookupReference"}


def test_replica_and_throttling_faults_record_their_codes(sim):
    sim.add_fault("replica_unavailable", rate=0.01)
    sim.add_fault("throttling", rate=0.02)
    p = sim.create_profile(profile_body(provider=ONEROSTER_PROVIDER))
    sim.advance("PT2H")
    codes = [e.error_code for e in sim.list_errors(p.id)]
    assert codes.count("AzureActiveDirectoryReplicaUnavailable") == 10
    assert codes.count("AzureActiveDirectoryRequestThrottledTemporarily") == 20


# -- pause / resume / reset ------------------------------------------------------------------------

def test_pause_keeps_the_remaining_time_and_resume_returns_to_the_same_status(sim):
    pid = uploaded(sim)
    sim.start_profile(pid)
    sim.advance("PT1M")
    sim.pause_profile(pid)
    assert status(sim, pid) == "paused"
    sim.advance("P1D")
    assert status(sim, pid) == "paused"
    sim.resume_profile(pid)
    assert status(sim, pid) == "validating"
    sim.advance("PT59S")
    assert status(sim, pid) == "validating"
    sim.advance("PT1S")
    assert status(sim, pid) == "extracting"


def test_pause_twice_and_resume_without_pause_are_409(sim):
    pid = provisioned_csv(sim)
    with pytest.raises(Conflict):
        sim.resume_profile(pid)  # never started: nothing to resume to
    with pytest.raises(Conflict):
        sim.pause_profile(pid)  # already paused


def test_reset_clears_errors_and_sync_begins_again(sim):
    files = good_files()
    files["Student.csv"] += "st9,1,\n"
    pid = uploaded(sim, files)
    sim.start_profile(pid)
    sim.advance("PT1H")
    assert len(sim.list_errors(pid)) == 1
    sim.reset_profile(pid)
    assert sim.list_errors(pid) == []
    assert sim.get_profile_status(pid).error_count == 0
    assert status(sim, pid) == "validating"
    sim.advance("PT1H")
    assert status(sim, pid) == "error" and len(sim.list_errors(pid)) == 1


def test_status_observation_lag():
    sim = Simulation(seed=1, config=SimConfig(status_lag="PT1M"))
    pid = uploaded(sim)
    sim.start_profile(pid)
    assert status(sim, pid) == "paused"  # the change is not observable yet
    sim.advance("PT59S")
    assert status(sim, pid) == "paused"
    sim.advance("PT1S")
    assert status(sim, pid) == "validating"


def test_create_error_assigns_id_and_time(sim):
    pid = provisioned_csv(sim)
    err = sim.create_error(pid, {"entryType": "student", "errorCode": "UnmatchedEntry",
                                 "errorMessage": "no match", "joiningValue": "st1",
                                 "reportableIdentifier": "st1"})
    assert err.id and err.recorded_date_time == sim.now
    assert sim.list_errors(pid) == [err]
    with pytest.raises(BadRequest):
        sim.create_error(pid, {"entryType": 3})
    with pytest.raises(NotFound):
        sim.create_error("nope", {})


def test_each_completed_sync_replaces_the_previous_errors(fast_sim):
    fast_sim.add_fault("entry_failures", count=250, duration="P1D")
    p = fast_sim.create_profile(profile_body(provider=ONEROSTER_PROVIDER))
    fast_sim.advance("PT2H")
    assert fast_sim.get_profile_status(p.id).error_count == 250
    fast_sim.advance("P1D")  # the daily re-sync runs without the fault
    st = fast_sim.get_profile_status(p.id)
    assert (st.status.value, st.error_count) == ("success", 0)


def test_verification_counts_are_plain_digits_at_any_size(sim):
    """The templates write ``{n}``: a client's ``(\\d+) row\\(s\\)`` parse must work at 1,234."""
    import re

    files = good_files(students=1300)
    files["Student.csv"] += "".join(f"x{i},1,\n" for i in range(1234))
    pid = uploaded(sim, files)
    messages = sim.start_profile(pid)
    missing = [m.description for m in messages if "missing data" in m.description]
    assert missing == ["1234 row(s) have missing data for the field - Username"]
    assert int(re.match(r"(\d+) row\(s\)", missing[0]).group(1)) == 1234
