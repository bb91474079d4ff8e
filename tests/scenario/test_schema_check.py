"""The compiled validator's "valid" is only taken where Python's jsonschema agrees."""

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdssim.scenario import _yaml, schema_check
from sdssim.scenario.problems import Checker
from sdssim.testing.fuzzing import scenario_mutants

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "scenarios").glob("*.yaml"))


def _data(raw: bytes) -> object:
    text = _yaml.decode(raw, "f")[0]
    return None if text is None else _yaml.load_text(text, "f", fast=False)[0]


def _python_says_valid(data: object) -> bool:
    return next(schema_check._validator().iter_errors(data), None) is None


def test_every_shipped_scenario_without_a_whole_float_goes_the_fast_way():
    datas = [_data(f.read_bytes()) for f in FILES]
    floats = [schema_check._whole_float(d) for d in datas]
    assert datas and sum(floats) < len(datas) / 4  # 13-throttling's slowdown: 3.0
    assert [schema_check.surely_valid(d) for d in datas] == [not f for f in floats]


def test_the_fast_yes_implies_pythons_on_hostile_mutants():
    seeds = [f.read_bytes() for f in FILES]
    datas = [d for d in (_data(raw) for raw in
                         scenario_mutants(random.Random(2031), seeds, 200)) if d is not None]
    fast = [schema_check.surely_valid(d) for d in datas]
    for data, yes in zip(datas, fast, strict=True):
        if yes:
            assert _python_says_valid(data)
    # both ways were taken: some mutants are still valid, most are not
    assert any(fast) and not all(fast)


@pytest.mark.parametrize("value, where", [
    (2.0, "seed"),                      # a whole float: an integer to the compiled validator
    (1e300, "seed"),
    (10**40, "seed"),                   # past 64 bits
    ("a\n", "name"),                    # Rust's $ and Python's $ differ before a last newline
])
def test_values_where_the_validators_differ_are_decided_by_python(value, where):
    data = {"name": "x", "timeline": [], where: value}
    checker = Checker("f", _yaml.Locations())
    bad = schema_check.schema_errors(checker, data)
    assert (not bad) == _python_says_valid(data)
    assert (not checker.problems) == _python_says_valid(data)


@pytest.mark.parametrize("value", [2.0, -0.0, 1e20])
def test_a_whole_float_is_never_taken_by_the_fast_way(value):
    doc = {"name": "x", "timeline": [{"at": "+1h", "action": "start_job", "job": "j"}],
           "jobs": [{"key": "j", "objects": {"User": value}}]}
    assert not schema_check.surely_valid(doc)
    checker = Checker("f", _yaml.Locations())
    assert schema_check.schema_errors(checker, doc) == {("jobs", 0, "objects", "User")}


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)
_FIELDS = ("seed", "name", "start", "end", "config", "description", "jobs", "profiles")


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(_FIELDS), value=_values, index=st.integers(0, 3),
       member=st.sampled_from(("key", "objects", "body", "at", "job", "action", "fault",
                               "settings", "schedule", "expect", "params", "duration")))
def test_the_fast_yes_implies_pythons_on_any_values(field, value, index, member):
    """Any JSON-like value put at a top-level field, or into a job or a timeline entry."""
    data = {"name": "x", "jobs": [{"key": "j", "objects": {"User": 5}}],
            "timeline": [{"at": "+1h", "action": "start_job", "job": "j"},
                         {"at": "+2h", "fault": "endpoint_down", "job": "j"}]}
    if index == 0:
        data[field] = value
    elif index == 1:
        data["jobs"][0][member] = value
    else:
        data["timeline"][index - 2][member] = value
    if schema_check.surely_valid(data):
        assert _python_says_valid(data)
