"""Subject ids: built by the constructors, read by parse_subject, malformed ones refused."""

from __future__ import annotations

import pytest

from sdssim.engine.subjects import (
    SUBJECT_KINDS,
    job_subject,
    make_subject,
    parse_subject,
    principal_subject,
    profile_subject,
)
from sdssim.errors import BadRequest


def test_constructors_and_parse_round_trip():
    assert profile_subject("p-1") == "profile/p-1"
    assert job_subject("scim.abc") == "job/scim.abc"
    assert principal_subject("sp-1") == "servicePrincipal/sp-1"
    for kind in SUBJECT_KINDS:
        assert parse_subject(make_subject(kind, "x/y")) == (kind, "x/y")


@pytest.mark.parametrize("text", ["", "job", "job/", "/x", "user/1", "Job/1", None, 7])
def test_parse_refuses_what_is_not_a_subject(text):
    with pytest.raises(BadRequest, match="is not a subject"):
        parse_subject(text)


def test_make_subject_refuses_an_unknown_kind():
    with pytest.raises(BadRequest, match="not a subject kind"):
        make_subject("user", "1")
    assert issubclass(BadRequest, ValueError)


def test_the_engine_names_its_subjects_with_the_constructors():
    from sdssim.engine import Simulation

    sim = Simulation(seed=1)
    job = sim.create_job("sp-1", {"templateId": "scim"})
    assert {e.subject for e in sim.events} == {job_subject(job.id)}
