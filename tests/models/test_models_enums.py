"""Enums: wire values, the evolvable-enum rule, quarantine numbers, restart scopes."""

from __future__ import annotations

import pytest

import sdssim.models as models
from sdssim.errors import ModelError
from sdssim.models import (
    EducationSynchronizationProfileStatus,
    EducationSynchronizationStatus,
    QuarantineReason,
    SynchronizationJobRestartScope,
    format_reset_scope,
    parse_reset_scope,
)

S = EducationSynchronizationStatus
R = SynchronizationJobRestartScope


def test_status_members_in_documented_order():
    assert [m.value for m in S] == [
        "paused", "inProgress", "success", "error", "validationError", "quarantined",
        "unknownFutureValue", "extracting", "validating"]
    assert S.EVOLVABLE == {S.extracting, S.validating}
    assert S.validating.is_evolvable and not S.inProgress.is_evolvable


@pytest.mark.parametrize("member", ["extracting", "validating"])
def test_evolvable_members_hidden_without_prefer_header(member):
    status = EducationSynchronizationProfileStatus.from_json({"id": "p1", "status": member})
    assert status.status is S(member)
    assert status.to_json() == {"id": "p1", "status": "unknownFutureValue"}
    assert status.to_json(include_unknown_enum_members=False)["status"] == "unknownFutureValue"
    assert status.to_json(include_unknown_enum_members=True) == {"id": "p1", "status": member}
    assert S(member).visible() is S.unknownFutureValue
    assert S(member).visible(include_unknown_enum_members=True) is S(member)


@pytest.mark.parametrize("member", [m for m in S if m not in S.EVOLVABLE])
def test_other_members_always_visible(member):
    status = EducationSynchronizationProfileStatus(status=member)
    assert status.to_json() == {"status": member.value}
    assert status.to_json(include_unknown_enum_members=True) == {"status": member.value}


def test_unknown_future_value_is_accepted_on_input():
    status = EducationSynchronizationProfileStatus.from_json({"status": "unknownFutureValue"})
    assert status.status is S.unknownFutureValue


def test_every_class_accepts_the_keyword():
    job = models.SynchronizationJob(id="j")
    assert job.to_json(include_unknown_enum_members=True) == job.to_json() == {"id": "j"}


def test_quarantine_reason_numbers():
    assert [r.number for r in QuarantineReason] == [0, 1, 2, 4, 8, 16, 32, 64]
    assert QuarantineReason("TooManyDeletes").number == 32


@pytest.mark.parametrize(("text", "flag"), [
    ("", R.None_),
    ("None", R.None_),
    ("Watermark, Escrows", R.Watermark | R.Escrows),
    ("  watermark,ESCROWS ,", R.Watermark | R.Escrows),
    ("Full", R.Full),
    ("ConnectorDataStore, Escrows, Watermark, QuarantineState", R.Full),
    ("QuarantineState", R.QuarantineState),
    ("ForceDeletes, None", R.ForceDeletes),
    ("Full, ForceDeletes", R.Full | R.ForceDeletes),
])
def test_parse_reset_scope(text, flag):
    parsed = parse_reset_scope(text)
    assert parsed == flag
    assert isinstance(parsed, SynchronizationJobRestartScope)


@pytest.mark.parametrize("text", ["Watermark, Everything", "Watermark Escrows", 4, None])
def test_parse_reset_scope_rejects(text):
    with pytest.raises(ModelError) as info:
        parse_reset_scope(text)
    assert info.value.path == "criteria.resetScope"


@pytest.mark.parametrize(("flag", "text"), [
    (R.None_, "None"),
    (R.Watermark | R.Escrows, "Escrows, Watermark"),
    (R.QuarantineState, "QuarantineState"),
    (R.Full, "Full"),
    (R.Full | R.ForceDeletes, "Full, ForceDeletes"),
    (R.ConnectorDataStore | R.ForceDeletes, "ConnectorDataStore, ForceDeletes"),
    (R.Escrows | R.Watermark | R.QuarantineState, "Escrows, Watermark, QuarantineState"),
])
def test_format_reset_scope(flag, text):
    assert format_reset_scope(flag) == text
    assert parse_reset_scope(text) == flag


def test_reset_scope_round_trips_every_combination():
    bits = [R.ConnectorDataStore, R.Escrows, R.Watermark, R.QuarantineState, R.ForceDeletes]
    for n in range(32):
        flag = R(0)
        for i, bit in enumerate(bits):
            if n >> i & 1:
                flag |= bit
        assert parse_reset_scope(format_reset_scope(flag)) == flag


def test_format_reset_scope_rejects_unknown_bits():
    with pytest.raises(ValueError):
        format_reset_scope(16)


def test_public_names():
    assert sorted(models.__all__) == sorted(set(models.__all__))
    for name in models.__all__:
        assert hasattr(models, name), name
