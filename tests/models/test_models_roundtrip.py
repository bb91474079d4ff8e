"""Realistic Graph documents round-trip through every resource class."""

from __future__ import annotations

import datetime as dt
import json

import pendulum
import pytest

from sdssim import clock
from sdssim.models import (
    EducationCsvDataProvider,
    EducationIdentityCreationConfiguration,
    EducationIdentityMatchingConfiguration,
    EducationOneRosterApiDataProvider,
    EducationPowerSchoolDataProvider,
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileState,
    EducationSynchronizationProfileStatus,
    EducationSynchronizationStatus,
    KeyValuePair,
    QuarantineReason,
    SynchronizationJob,
    SynchronizationSchedule,
    SynchronizationScheduleState,
    SynchronizationSchema,
    SynchronizationStatusCode,
    SynchronizationTaskExecutionResult,
    VerificationMessage,
    VerificationMessageType,
)

CASES = [
    ("csv_profile", EducationSynchronizationProfile),
    ("oneroster_profile", EducationSynchronizationProfile),
    ("powerschool_profile", EducationSynchronizationProfile),
    ("profile_status", EducationSynchronizationProfileStatus),
    ("sync_error", EducationSynchronizationError),
    ("verification_message", VerificationMessage),
    ("quarantined_job", SynchronizationJob),
    ("new_job", SynchronizationJob),
    ("schema", SynchronizationSchema),
]


@pytest.mark.parametrize(("name", "cls"), CASES, ids=[c[0] for c in CASES])
def test_round_trip(docs, strip, name, cls):
    doc = docs[name]
    obj = cls.from_json(doc)
    out = obj.to_json(include_unknown_enum_members=True)
    assert strip(out) == strip(doc)
    # the output is plain JSON (no enums, datetimes or tuples) and parses back to an equal object
    assert json.loads(json.dumps(out)) == out
    assert cls.from_json(json.loads(json.dumps(out))) == obj


def test_polymorphic_members_write_odata_type(docs):
    csv = EducationSynchronizationProfile.from_json(docs["csv_profile"]).to_json()
    assert csv["dataProvider"]["@odata.type"] == "#microsoft.graph.educationCsvDataProvider"
    assert (csv["identitySynchronizationConfiguration"]["@odata.type"]
            == "#microsoft.graph.educationIdentityCreationConfiguration")
    one = EducationSynchronizationProfile.from_json(docs["oneroster_profile"]).to_json()
    assert one["dataProvider"]["@odata.type"] == "#microsoft.graph.educationOneRosterApiDataProvider"
    assert (one["identitySynchronizationConfiguration"]["@odata.type"]
            == "#microsoft.graph.educationIdentityMatchingConfiguration")
    ps = EducationSynchronizationProfile.from_json(docs["powerschool_profile"]).to_json()
    assert ps["dataProvider"]["@odata.type"] == "#microsoft.graph.educationPowerSchoolDataProvider"


def test_csv_profile_values(docs):
    p = EducationSynchronizationProfile.from_json(docs["csv_profile"])
    assert p.state is EducationSynchronizationProfileState.provisioned
    assert p.expiration_date == dt.date(2027, 7, 31)
    assert p.handle_special_user_names is True
    assert isinstance(p.data_provider, EducationCsvDataProvider)
    enrollment = p.data_provider.customizations.student_enrollment
    assert enrollment.is_sync_deferred is True
    assert enrollment.synchronization_start_date == pendulum.datetime(2026, 8, 15, tz="UTC")
    assert p.data_provider.customizations.school.optional_properties_to_sync == ("School Number", "Zip")
    assert isinstance(p.identity_synchronization_configuration, EducationIdentityCreationConfiguration)
    assert [d.name for d in p.identity_synchronization_configuration.user_domains] == [
        "students.contoso.edu", "contoso.edu"]
    assert p.licenses_to_assign[1].sku_ids == (
        "314c4481-f395-4525-be8b-2ec4bb1e9d91", "94763226-9b3c-4e75-a931-5c89701abe66")


def test_api_provider_values(docs):
    one = EducationSynchronizationProfile.from_json(docs["oneroster_profile"])
    assert isinstance(one.data_provider, EducationOneRosterApiDataProvider)
    assert one.data_provider.term_ids == ("2026-T1", "2026-T2")
    assert one.data_provider.connection_settings["clientId"] == "sds-client"
    assert one.licenses_to_assign == ()
    matching = one.identity_synchronization_configuration
    assert isinstance(matching, EducationIdentityMatchingConfiguration)
    assert matching.matching_options[1].target_property_name == "mail"
    ps = EducationSynchronizationProfile.from_json(docs["powerschool_profile"])
    assert isinstance(ps.data_provider, EducationPowerSchoolDataProvider)
    assert ps.data_provider.allow_teachers_in_multiple_schools is True
    assert ps.state is EducationSynchronizationProfileState.deletionFailed


def test_legacy_seed_003_example(docs, strip):
    doc = docs["legacy_profile"]
    p = EducationSynchronizationProfile.from_json(doc)
    assert p.state is EducationSynchronizationProfileState.provisioned
    assert p.last_synchronization_time == clock.NEVER
    assert (p.sync_status, p.error_status) == ("Paused", "None")
    assert isinstance(p.data_provider, EducationCsvDataProvider)
    assert p.data_provider.customizations is None
    assert p.customizations.student_enrollment.synchronization_start_date == clock.NEVER
    assert p.customizations.teacher_roster.allow_display_name_update is False
    out = p.to_json()
    assert out["state"] == "provisioned"  # canonical on output
    assert strip(out) == strip({**doc, "state": "provisioned"})


def test_profile_status_values(docs):
    s = EducationSynchronizationProfileStatus.from_json(docs["profile_status"])
    assert s.status is EducationSynchronizationStatus.inProgress
    assert s.error_count == 17
    assert s.last_activity_date_time == pendulum.datetime(2026, 9, 1, 8, 41, 12, 500000, tz="UTC")


def test_error_and_message_values(docs):
    e = EducationSynchronizationError.from_json(docs["sync_error"])
    assert e.entry_type == "student"
    assert e.recorded_date_time.microsecond == 123456
    assert "@odata.type" not in e.to_json()  # not polymorphic: nothing to write
    m = VerificationMessage.from_json(docs["verification_message"])
    assert m.type is VerificationMessageType.Error
    assert m.file_name == "Student.csv"


def test_quarantined_job_values(docs):
    job = SynchronizationJob.from_json(docs["quarantined_job"])
    st = job.status
    assert st.code is SynchronizationStatusCode.Quarantine
    assert st.quarantine.reason is QuarantineReason.TooManyDeletes
    assert st.quarantine.reason.number == 32
    assert st.quarantine.next_attempt - st.quarantine.current_began == dt.timedelta(hours=6)
    assert st.last_execution.state is SynchronizationTaskExecutionResult.Failed
    assert st.last_execution.error.tenant_actionable is True
    assert st.last_execution.count_imported_deltas == 842
    assert st.progress[0].total_units == 30112
    assert st.synchronized_entry_count_by_type[0].value == 30034
    assert job.schedule.interval == dt.timedelta(minutes=40)
    assert job.synchronization_job_settings[0] == KeyValuePair(
        name="QuarantineTooManyDeletesThreshold", value="500")


def test_new_job_never_values(docs):
    job = SynchronizationJob.from_json(docs["new_job"])
    assert job.schedule.state is SynchronizationScheduleState.Disabled
    assert job.schedule.interval == clock.NEVER_INTERVAL
    assert job.schedule.expiration == clock.NEVER
    assert job.status.steady_state_first_achieved_time == clock.NEVER
    assert job.status.progress == ()
    out = job.to_json()
    assert out["schedule"]["interval"] == "P10675199DT2H48M5.4775807S"
    assert out["schedule"]["expiration"] == "0001-01-01T00:00:00Z"


def test_built_job_serializes_camel_case_and_omits_none():
    job = SynchronizationJob(
        id="j1",
        schedule=SynchronizationSchedule(interval=dt.timedelta(minutes=40),
                                         state=SynchronizationScheduleState.Active,
                                         expiration=dt.datetime(2026, 9, 1, 8, 0)),  # naive = UTC
    )
    assert job.to_json() == {
        "id": "j1",
        "schedule": {"expiration": "2026-09-01T08:00:00Z", "interval": "PT40M", "state": "Active"},
    }
    assert EducationSynchronizationProfile().to_json() == {}


def test_seven_digit_fractions_truncate_to_microseconds():
    e = EducationSynchronizationError.from_json({"recordedDateTime": "2026-09-01T08:00:00.1234567Z"})
    assert e.recorded_date_time.microsecond == 123456
    assert e.to_json() == {"recordedDateTime": "2026-09-01T08:00:00.123456Z"}


def test_offsets_normalise_to_utc():
    e = EducationSynchronizationError.from_json({"recordedDateTime": "2026-09-01T10:00:00+02:00"})
    assert e.to_json() == {"recordedDateTime": "2026-09-01T08:00:00Z"}


def test_schema_always_writes_lists():
    assert SynchronizationSchema(id="s").to_json() == {
        "id": "s", "synchronizationRules": [], "directories": []}


def test_instances_are_frozen_and_slotted(docs):
    job = SynchronizationJob.from_json(docs["new_job"])
    with pytest.raises(AttributeError):
        job.id = "other"
    assert not hasattr(job, "__dict__")
