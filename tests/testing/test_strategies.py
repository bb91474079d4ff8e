"""sdssim.testing.strategies: what each strategy promises."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdssim import Simulation
from sdssim.clock import parse_duration
from sdssim.engine import FAULT_KINDS
from sdssim.engine.csvcheck import check_files
from sdssim.engine.faults import JOB_ONLY_FAULTS, PROFILE_ONLY_FAULTS, check_params
from sdssim.scenario import load_string
from sdssim.scenario.export import dump_document
from sdssim.scenario.plan import Call, Fault
from sdssim.testing import strategies as S

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALL_DEFECTS = {"missing": 0.1, "bad_format": 0.1, "dangling": 0.1, "duplicates": 0.05}


@QUICK
@given(S.csv_datasets(defects=ALL_DEFECTS))
def test_csv_datasets_know_what_sync_will_reject(dataset):
    check = check_files(dataset.files)
    assert len(check.bad_rows) == dataset.bad_rows
    assert check.has_errors == dataset.rejected
    assert check.entries == dataset.entries


@QUICK
@given(S.csv_datasets())
def test_without_defects_datasets_are_clean(dataset):
    check = check_files(dataset.files)
    assert check.messages == () and dataset.defects == () and dataset.bad_rows == 0


@QUICK
@given(S.csv_datasets(defects=st.sampled_from([{"missing": 1.0}, {"dangling": 1.0}])))
def test_defect_rates_may_be_drawn_and_a_rate_of_one_hits_every_eligible_row(dataset):
    kinds = {d[2] for d in dataset.defects}
    assert len(kinds) <= 1
    if kinds == {"missing"}:
        assert len(dataset.defects) == sum(dataset.rows.values())


@pytest.mark.parametrize(("defects", "message"), [({"typo": 0.1}, "unknown defect kind"),
                                                   ({"missing": 2}, "between 0 and 1")])
def test_unknown_defect_kinds_and_bad_rates_are_refused(defects, message):
    @given(S.csv_datasets(defects=defects))
    def draw(dataset):
        pass

    with pytest.raises(ValueError, match=message):
        draw()


@QUICK
@given(st.sampled_from(sorted(FAULT_KINDS)).flatmap(
    lambda k: st.tuples(st.just(k), S.fault_params(k))))
def test_fault_params_are_accepted_by_the_engine(kind_params):
    kind, params = kind_params
    check_params(kind, dict(params))


@QUICK
@given(S.fault_plans(profiles=["p1"], jobs=["j1"], horizon="P1D"))
def test_fault_plans_are_ordered_and_aim_at_the_right_kind_of_subject(plan):
    offsets = [t for t, _ in plan]
    assert offsets == sorted(offsets) and all(0 <= t <= 86_400_000_000 for t in offsets)
    for _t, fault in plan:
        assert isinstance(fault, Fault)
        if fault.kind in JOB_ONLY_FAULTS:
            assert fault.profile is None
        if fault.kind in PROFILE_ONLY_FAULTS:
            assert fault.job is None
        if fault.kind == "throttle":
            assert fault.profile is None and fault.job is None


@QUICK
@given(S.api_calls(profiles=["p1"], jobs=["j1", "j2"], max_calls=5))
def test_api_calls_name_keys_and_methods_the_simulation_has(calls):
    assert len(calls) <= 5
    for _t, call in calls:
        assert isinstance(call, Call) and callable(getattr(Simulation, call.method))
        assert (call.profile in (None, "p1")) and (call.job in (None, "j1", "j2"))


@given(S.api_calls())
def test_api_calls_without_subjects_are_empty(calls):
    assert calls == ()


@QUICK
@given(S.durations("5m", "2h"))
def test_durations_are_iso_and_in_range(text):
    assert 300 <= parse_duration(text).total_seconds() <= 7200


def test_durations_refuse_an_empty_range():
    with pytest.raises(ValueError):
        S.durations("2h", "1h")


@QUICK
@given(S.simulations())
def test_simulations_draw_their_seed(sim):
    assert isinstance(sim, Simulation) and 0 <= sim.seed <= S.SEED_MAX and not sim.events


@QUICK
@given(S.profile_bodies(providers=["csv", "oneroster"]))
def test_profile_bodies_create_profiles(body):
    assert Simulation().create_profile(body).display_name == body["displayName"]


def test_profile_bodies_refuse_unknown_providers():
    with pytest.raises(ValueError):
        S.profile_bodies(providers=["sftp"])


@settings(QUICK, max_examples=25)
@given(S.scenarios())
def test_scenarios_are_valid_scenario_documents(plan):
    scenario = load_string(dump_document(plan.to_document()), "generated.yaml")
    assert scenario.seed == plan.seed
    assert len(scenario.timeline) == len(plan.timeline)
