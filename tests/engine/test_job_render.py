"""A job's snapshot JSON is written directly (``JobView.render``); it must be exactly the
Graph model's JSON (``JobView.model().to_json``), which the API returns."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdssim import Simulation
from sdssim.engine.jobs.view import JobView

from .test_properties import OPS, run

ROOT = Path(__file__).resolve().parents[2]


def _job_views(sim):
    return [r.source for r in sim.snapshots if r.kind == "job"]


def _same(view: JobView) -> None:
    assert view.render() == view.model().to_json(include_unknown_enum_members=True)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_job_snapshot_of_the_bundled_scenarios(path):
    from sdssim.scenario import load
    from sdssim.scenario.runner import run as run_scenario

    for view in _job_views(run_scenario(load(path)).sim):
        _same(view)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**16), OPS)
def test_every_job_snapshot_of_random_call_sequences(seed, ops):
    sim = run(seed, ops)
    views = _job_views(sim)
    assert views
    for view in views:
        _same(view)


@settings(max_examples=60, deadline=None)
@given(interval=st.sampled_from([None, "PT1M", "PT40M", "PT1H30M", "P1D", "P7DT0.5S"]),
       expiration=st.sampled_from([None, "2026-09-02T08:00:00Z", "2026-09-01T10:30:00.25Z",
                                   "2027-01-01T00:00:00+02:00"]),
       setting=st.sampled_from([None, "0", "500"]),
       steps=st.lists(st.sampled_from(["PT5M", "PT1H", "P1D"]), max_size=4))
def test_schedules_and_settings(interval, expiration, setting, steps):
    sim = Simulation(seed=1)
    body = {"templateId": "scim"}
    schedule = {k: v for k, v in (("interval", interval), ("expiration", expiration)) if v}
    if schedule:
        body["schedule"] = schedule
    if setting is not None:
        body["synchronizationJobSettings"] = [
            {"name": "QuarantineTooManyDeletesThreshold", "value": setting}]
    job = sim.create_job("sp", body, objects={"User": 50})
    sim.start_job("sp", job.id)
    for step in steps:
        sim.advance(step)
    views = _job_views(sim)
    assert views
    for view in views:
        _same(view)
