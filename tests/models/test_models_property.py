"""Property: generated provisioning-job documents round-trip exactly."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from sdssim import clock
from sdssim.models import (
    QuarantineReason,
    SynchronizationJob,
    SynchronizationScheduleState,
    SynchronizationStatusCode,
    SynchronizationTaskExecutionResult,
)

text = st.text(max_size=20)
counts = st.integers(min_value=0, max_value=2**53)
timestamps = st.one_of(
    st.just(clock.NEVER_TEXT),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31),
                 timezones=st.just(dt.timezone.utc)).map(clock.format_timestamp),
)
durations = st.one_of(
    st.just(clock.NEVER_INTERVAL_TEXT),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3650)).map(
        clock.format_duration),
)


def enum_values(cls):
    return st.sampled_from([m.value for m in cls])


def optional_fields(**fields):
    """Dicts holding any subset of ``fields``."""
    return st.fixed_dictionaries({}, optional=fields)


errors = optional_fields(code=text, message=text, tenantActionable=st.booleans())
executions = optional_fields(
    activityIdentifier=text,
    countEntitled=counts, countEntitledForProvisioning=counts, countEscrowed=counts,
    countEscrowedRaw=counts, countExported=counts, countExports=counts, countImported=counts,
    countImportedDeltas=counts, countImportedReferenceDeltas=counts,
    error=errors, state=enum_values(SynchronizationTaskExecutionResult),
    timeBegan=timestamps, timeEnded=timestamps,
)
statuses = optional_fields(
    code=enum_values(SynchronizationStatusCode),
    countSuccessiveCompleteFailures=counts,
    escrowsPruned=st.booleans(),
    lastExecution=executions,
    lastSuccessfulExecution=executions,
    lastSuccessfulExecutionWithExports=executions,
    progress=st.lists(optional_fields(completedUnits=counts, progressObservationDateTime=timestamps,
                                      totalUnits=counts, units=text), max_size=3),
    quarantine=optional_fields(currentBegan=timestamps, nextAttempt=timestamps,
                               reason=enum_values(QuarantineReason), seriesBegan=timestamps,
                               seriesCount=counts, error=errors),
    steadyStateFirstAchievedTime=timestamps,
    steadyStateLastAchievedTime=timestamps,
    synchronizedEntryCountByType=st.lists(optional_fields(key=text, value=counts), max_size=3),
    troubleshootingUrl=text,
)
jobs = optional_fields(
    id=text,
    templateId=text,
    schedule=optional_fields(expiration=timestamps, interval=durations,
                             state=enum_values(SynchronizationScheduleState)),
    status=statuses,
    synchronizationJobSettings=st.lists(optional_fields(name=text, value=text), max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(jobs)
def test_generated_job_documents_round_trip(doc):
    job = SynchronizationJob.from_json(doc)
    assert job.to_json() == doc
    assert SynchronizationJob.from_json(job.to_json()) == job


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["id", "status", "code", "progress", "x", "@odata.type"]),
                      children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries({}, optional={
        "id": json_values, "schedule": json_values, "status": json_values,
        "synchronizationJobSettings": json_values, "templateId": json_values,
    }),
)
def test_arbitrary_json_raises_only_model_error(doc):
    from sdssim.errors import ModelError

    try:
        job = SynchronizationJob.from_json(doc)
    except ModelError as exc:
        assert exc.path == "" or exc.path.split(".")[0].split("[")[0] in doc
    else:
        assert isinstance(job.to_json(), dict)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2, 1, 1), max_value=dt.datetime(9998, 12, 31)),
    st.sampled_from([None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)),
                     dt.timezone(dt.timedelta(hours=-8)), "pendulum-utc", "pendulum-paris"]),
)
def test_timestamp_writer_matches_clock(naive, zone):
    """The models' fast timestamp writer gives clock.format_timestamp's text."""
    import pendulum

    from sdssim.models import EducationSynchronizationError

    if zone == "pendulum-utc":
        value = pendulum.instance(naive, tz="UTC")
        expected = clock.format_timestamp(value)
    elif zone == "pendulum-paris":
        value = pendulum.instance(naive, tz="Europe/Paris")
        expected = clock.format_timestamp(value)
    elif zone is None:
        value = naive  # naive datetimes are taken as UTC
        expected = clock.format_timestamp(naive.replace(tzinfo=dt.timezone.utc))
    else:
        value = naive.replace(tzinfo=zone)
        expected = clock.format_timestamp(value)
    written = EducationSynchronizationError(recorded_date_time=value).to_json()["recordedDateTime"]
    assert written == expected
    assert clock.parse_timestamp(written) == value.replace(
        tzinfo=value.tzinfo or dt.timezone.utc)
