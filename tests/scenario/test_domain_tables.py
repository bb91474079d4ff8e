"""Each domain table is declared once; the copies that must exist (the JSON schema) agree.

When the engine learns a new fault kind (``sdssim.engine.faults.FAULT_KINDS``), the first test
here fails until ``sdssim/scenario/schema.json`` lists it too.
"""

from sdssim.engine import FAULT_KINDS, csvcheck
from sdssim.engine.faults import (
    FAULT_TARGETS,
    JOB_ONLY_FAULTS,
    PROFILE_ONLY_FAULTS,
    REQUEST_FAULTS,
    UNTARGETED_FAULTS,
    may_target,
)
from sdssim.engine.subjects import SUBJECT_KINDS
from sdssim.scenario import csvgen
from sdssim.scenario import schema as scenario_schema


def test_schema_fault_kinds_are_exactly_the_engine_fault_kinds():
    enum = scenario_schema()["$defs"]["entry"]["properties"]["fault"]["enum"]
    assert len(enum) == len(set(enum))
    assert sorted(enum) == sorted(FAULT_KINDS), (
        "sdssim/scenario/schema.json ($defs.entry.properties.fault.enum) must list exactly "
        "sdssim.engine.faults.FAULT_KINDS")


def test_every_fault_kind_declares_its_targets_beside_it():
    assert list(FAULT_TARGETS) == list(FAULT_KINDS)
    assert all(set(t) <= set(SUBJECT_KINDS) for t in FAULT_TARGETS.values())
    assert UNTARGETED_FAULTS == set(REQUEST_FAULTS)


def test_fault_targets_name_only_declared_kinds_and_do_not_overlap():
    named = JOB_ONLY_FAULTS | PROFILE_ONLY_FAULTS | UNTARGETED_FAULTS
    assert named <= set(FAULT_KINDS)
    assert not JOB_ONLY_FAULTS & PROFILE_ONLY_FAULTS
    assert not UNTARGETED_FAULTS & (JOB_ONLY_FAULTS | PROFILE_ONLY_FAULTS)


def test_may_target():
    assert may_target("credential_failure", "job") and not may_target("credential_failure", "profile")
    assert may_target("provisioning_failure", "profile")
    assert not may_target("provisioning_failure", "job")
    assert may_target("entry_failures", "job") and may_target("entry_failures", "profile")
    assert not may_target("throttle", "job") and not may_target("throttle", "profile")
    assert may_target("credential_failure", "servicePrincipal")
    assert not may_target("no such kind", "job")


def test_csv_generation_reads_the_checker_schema():
    assert list(csvgen.FILES) == list(csvcheck.FILES)
    for name, (required, unique, _entry) in csvcheck.FILES.items():
        assert csvgen.FILES[name] == required
        assert csvgen.UNIQUE_COLUMNS[name] == unique
        assert set(csvgen.REFERENCE_COLUMNS[name]) == {
            col for (file, col) in csvcheck.REFERENCES if file == name}
    assert csvgen.FORMAT_COLUMNS == tuple(csvcheck.COLUMN_FORMATS)
