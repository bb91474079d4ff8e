"""Malformed documents raise ModelError naming the deepest wire path."""

from __future__ import annotations

import pytest

from sdssim.errors import ModelError
from sdssim.models import (
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileStatus,
    SynchronizationJob,
    SynchronizationSchema,
    VerificationMessage,
)


def _raises(cls, doc, path, *fragments):
    with pytest.raises(ModelError) as info:
        cls.from_json(doc)
    assert info.value.path == path
    for fragment in fragments:
        assert fragment in info.value.message
    assert isinstance(info.value, ValueError)
    return info.value


def test_wrong_type_string_for_int_in_list(docs):
    doc = docs["quarantined_job"]
    doc["status"]["progress"][0]["totalUnits"] = "30112"
    _raises(SynchronizationJob, doc, "status.progress[0].totalUnits", "integer", "string")


def test_bool_is_not_an_int(docs):
    doc = docs["quarantined_job"]
    doc["status"]["synchronizedEntryCountByType"][1]["value"] = True
    _raises(SynchronizationJob, doc, "status.synchronizedEntryCountByType[1].value", "boolean")


def test_int_is_not_a_bool(docs):
    doc = docs["quarantined_job"]
    doc["status"]["escrowsPruned"] = 0
    _raises(SynchronizationJob, doc, "status.escrowsPruned", "boolean")


def test_dict_where_list_expected(docs):
    doc = docs["quarantined_job"]
    doc["status"]["progress"] = {"completedUnits": 1}
    _raises(SynchronizationJob, doc, "status.progress", "array", "object")


def test_list_where_object_expected(docs):
    doc = docs["quarantined_job"]
    doc["status"]["quarantine"] = []
    _raises(SynchronizationJob, doc, "status.quarantine", "object")


def test_unknown_enum_member(docs):
    doc = docs["quarantined_job"]
    doc["status"]["quarantine"]["reason"] = "TooManyAdds"
    _raises(SynchronizationJob, doc, "status.quarantine.reason", "TooManyAdds")


def test_unknown_profile_state(docs):
    doc = docs["csv_profile"]
    doc["state"] = "provisionedish"
    _raises(EducationSynchronizationProfile, doc, "state", "provisionedish")


def test_bad_timestamp(docs):
    doc = docs["quarantined_job"]
    doc["status"]["lastExecution"]["timeEnded"] = "yesterday"
    _raises(SynchronizationJob, doc, "status.lastExecution.timeEnded", "yesterday")


def test_impossible_timestamp(docs):
    doc = docs["sync_error"]
    doc["recordedDateTime"] = "2026-02-30T00:00:00Z"
    _raises(EducationSynchronizationError, doc, "recordedDateTime")


def test_timestamp_must_be_a_string(docs):
    doc = docs["profile_status"]
    doc["lastActivityDateTime"] = 1767225600
    _raises(EducationSynchronizationProfileStatus, doc, "lastActivityDateTime", "integer")


@pytest.mark.parametrize("interval", ["forty minutes", "40m", "P", 2400, "-PT40M"])
def test_bad_duration(docs, interval):
    doc = docs["new_job"]
    doc["schedule"]["interval"] = interval
    _raises(SynchronizationJob, doc, "schedule.interval")


def test_bad_date(docs):
    doc = docs["csv_profile"]
    doc["expirationDate"] = "2027-07-31T00:00:00Z"
    _raises(EducationSynchronizationProfile, doc, "expirationDate", "YYYY-MM-DD")


def test_unknown_key_top_level(docs):
    doc = docs["sync_error"]
    doc["errorDetails"] = "x"
    _raises(EducationSynchronizationError, doc, "errorDetails", "unknown property")


def test_unknown_key_nested_in_list(docs):
    doc = docs["quarantined_job"]
    doc["synchronizationJobSettings"][1]["description"] = "x"
    _raises(SynchronizationJob, doc, "synchronizationJobSettings[1].description", "unknown")


def test_unknown_key_in_polymorphic_member(docs):
    doc = docs["oneroster_profile"]
    doc["identitySynchronizationConfiguration"]["matchingOptions"][0]["sourceProperty"] = "x"
    _raises(EducationSynchronizationProfile, doc,
            "identitySynchronizationConfiguration.matchingOptions[0].sourceProperty")


def test_wire_keys_are_case_sensitive(docs):
    doc = docs["sync_error"]
    doc["ErrorCode"] = doc.pop("errorCode")
    _raises(EducationSynchronizationError, doc, "ErrorCode")


def test_wrong_type_in_string_list(docs):
    doc = docs["csv_profile"]
    doc["licensesToAssign"][0]["skuIds"] = ["ok", 7]
    _raises(EducationSynchronizationProfile, doc, "licensesToAssign[0].skuIds[1]", "string")


def test_unknown_polymorphic_type(docs):
    doc = docs["csv_profile"]
    doc["dataProvider"]["@odata.type"] = "#microsoft.graph.educationSkywardDataProvider"
    _raises(EducationSynchronizationProfile, doc, "dataProvider.@odata.type", "educationSkyward")


def test_missing_polymorphic_type(docs):
    doc = docs["csv_profile"]
    del doc["identitySynchronizationConfiguration"]["@odata.type"]
    _raises(EducationSynchronizationProfile, doc, "identitySynchronizationConfiguration.@odata.type",
            "missing")


def test_field_of_wrong_polymorphic_member(docs):
    doc = docs["csv_profile"]
    doc["dataProvider"]["connectionUrl"] = "https://sis.example"  # a OneRoster field on a CSV provider
    _raises(EducationSynchronizationProfile, doc, "dataProvider.connectionUrl", "unknown")


@pytest.mark.parametrize("document", [[], "job", 3, None])
def test_document_not_an_object(document):
    err = _raises(SynchronizationJob, document, "", "object")
    assert str(err).startswith("expected an object")


def test_schema_directories_must_be_objects(docs):
    doc = docs["schema"]
    doc["directories"][1] = "aad"
    _raises(SynchronizationSchema, doc, "directories[1]", "object")


def test_odata_annotations_are_ignored_and_null_means_absent():
    msg = VerificationMessage.from_json({
        "@odata.type": "#microsoft.graph.verificationMessage",
        "@odata.etag": "W/\"1\"",
        "type@odata.type": "#microsoft.graph.verificationMessageType",
        "type": "Warning",
        "fileName": None,
    })
    assert msg == VerificationMessage.from_json({"type": "Warning"})
    assert msg.to_json() == {"type": "Warning"}


@pytest.mark.parametrize("tag", [
    "#microsoft.graph.educationPowerSchoolDataProvider",
    "microsoft.graph.educationPowerSchoolDataProvider",
    "#MICROSOFT.GRAPH.EDUCATIONPOWERSCHOOLDATAPROVIDER",
    "educationpowerschooldataprovider",
])
def test_odata_type_spellings_accepted(tag):
    p = EducationSynchronizationProfile.from_json({"dataProvider": {"@odata.type": tag}})
    assert type(p.data_provider).__name__ == "EducationPowerSchoolDataProvider"


def test_enum_input_is_case_insensitive_output_canonical():
    s = EducationSynchronizationProfileStatus.from_json({"status": "InProgress"})
    assert s.to_json() == {"status": "inProgress"}
    job = SynchronizationJob.from_json({"status": {"code": "quarantine"}})
    assert job.to_json() == {"status": {"code": "Quarantine"}}
