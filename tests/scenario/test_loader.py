"""Loading and validation: every problem located at FILE:LINE:COLUMN, all reported at once."""

import json
import re

import pytest

from sdssim.errors import ScenarioError
from sdssim.scenario import (
    ActionEntry,
    ExpectEntry,
    FaultEntry,
    load,
    load_string,
    schema,
    validate,
)

BASE = """\
name: t
seed: 1
start: 2026-09-01T08:00:00Z
profiles:
  - key: north
    csv:
      generate: {schools: 1, sections: 2, students: 10, teachers: 1}
jobs:
  - key: hr
timeline:
"""


def problems(text: str, file: str = "s.yaml") -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_string(text, file)
    out = [str(p) for p in info.value.problems]
    assert out == [str(p) for p in sorted(info.value.problems, key=lambda p: (p.line, p.column))]
    return out


def test_a_valid_scenario_loads_into_entries_at_absolute_times():
    sc = load_string(BASE + """\
  - at: +10m
    action: upload_files
    profile: north
  - at: +5m
    fault: credential_failure
    job: hr
    duration: PT1H
  - at: 2026-09-01T09:00:00Z
    expect: {job: hr, job_code: Active, json: {status.quarantine.reason: null}}
  - at: +P1D
    action: restart_job
    job: hr
    reset_scope: QuarantineState
""")
    a, f, e, r = sc.timeline
    assert isinstance(a, ActionEntry) and a.time.isoformat() == "2026-09-01T08:10:00+00:00"
    assert isinstance(f, FaultEntry) and f.time.minute == 15 and f.duration.total_seconds() == 3600
    assert isinstance(e, ExpectEntry) and [c.name for c in e.checks] == [
        "job_code", "json:status.quarantine.reason"]
    assert r.time.isoformat() == "2026-09-02T09:00:00+00:00"  # relative to the previous entry
    assert r.kwargs == {"reset_scope": "QuarantineState"}
    assert (a.line, a.column) == (11, 5)


def test_unknown_field_points_at_the_key_with_a_suggestion():
    assert problems(BASE + "  - at: +1m\n    action: start_job\n    jbo: hr\n") == [
        "s.yaml:13:5: unknown field 'jbo' in timeline[0] (did you mean 'job'?)",
    ]


def test_unknown_top_level_field():
    out = problems("name: t\ntimeline: []\nseeds: 3\n")
    assert out == ["s.yaml:3:1: unknown field 'seeds' in scenario (did you mean 'seed'?)"]


def test_wrong_type_points_at_the_value():
    text = BASE.replace("seed: 1", "seed: one") + "  - at: 5\n    expect: {job: hr, exists: yes}\n"
    assert problems(text) == [
        "s.yaml:2:7: seed: expected an integer, got a string",
        "s.yaml:11:9: timeline[0].at: expected a string, got an integer",
    ]


def test_missing_required_fields():
    assert problems("description: x\n") == [
        "s.yaml:1:1: scenario: missing required field 'name'",
        "s.yaml:1:1: scenario: missing required field 'timeline'",
    ]


def test_bad_times_are_reported_with_their_position():
    out = problems(BASE + "  - at: tomorrow\n    expect: {job: hr, job_code: Active}\n"
                   "  - at: +40 minutes\n    expect: {job: hr, job_code: Active}\n")
    assert out[0].startswith("s.yaml:11:9: timeline[0].at: 'tomorrow' is not a time")
    assert out[1].startswith("s.yaml:13:9: timeline[1].at: '+40 minutes' is not a relative time")


def test_time_before_start_and_backwards():
    out = problems(BASE + "  - at: 2026-08-31T08:00:00Z\n    expect: {job: hr, exists: true}\n"
                   "  - at: 2026-09-02T08:00:00Z\n    expect: {job: hr, exists: true}\n"
                   "  - at: 2026-09-01T09:00:00Z\n    expect: {job: hr, exists: true}\n")
    assert out == [
        "s.yaml:11:9: timeline[0].at: 2026-08-31T08:00:00Z is before the scenario start "
        "2026-09-01T08:00:00Z",
        "s.yaml:15:9: timeline[2].at: 2026-09-01T09:00:00Z is before the previous entry "
        "(2026-09-02T08:00:00Z); entries run in order",
    ]


def test_unknown_references():
    out = problems(BASE + "  - at: +1m\n    action: start_profile\n    profile: south\n"
                   "  - at: +1m\n    expect: {job: payroll, job_code: Active}\n"
                   "  - at: +1m\n    fault: endpoint_down\n    job: hrr\n")
    assert out == [
        "s.yaml:13:14: unknown profile 'south' (did you mean 'north'?) (known profiles: north)",
        "s.yaml:15:19: unknown job 'payroll' (known jobs: hr)",
        "s.yaml:18:10: unknown job 'hrr' (did you mean 'hr'?) (known jobs: hr)",
    ]


def test_impossible_expectations():
    out = problems(BASE + """\
  - at: +1m
    expect: {profile: north, sync_status: done}
  - at: +1m
    expect: {job: hr, job_code: Running}
  - at: +1m
    expect: {job: hr, job_code: Active, quarantine_reason: TooManyDeletes}
  - at: +1m
    expect: {profile: north, exists: false, profile_state: provisioned}
  - at: +1m
    expect: {profile: north, job_code: Active}
  - at: +1m
    expect: {profile: north, profile_state: provisioning, sync_status: success}
  - at: +1m
    expect: {job: hr, quarantine_reason: Bogus}
""")
    assert out == [
        "s.yaml:12:43: timeline[0].expect.sync_status: 'done' is not a valid sync status (one "
        "of: paused, inProgress, success, error, validationError, quarantined, "
        "unknownFutureValue, extracting, validating)",
        "s.yaml:14:33: timeline[1].expect.job_code: 'Running' is not a valid job status code "
        "(one of: NotConfigured, NotRun, Active, Paused, Quarantine)",
        "s.yaml:16:41: expect: a job whose code is Active is not quarantined, so it has no "
        "quarantine reason",
        "s.yaml:18:45: expect: a profile that does not exist has no profile_state; drop it or "
        "expect exists: true",
        "s.yaml:20:30: expect: 'job_code' is a job check, not a profile check",
        "s.yaml:22:59: expect: a profile in state provisioning never synchronizes, so its sync "
        "status cannot be success",
        "s.yaml:24:42: timeline[6].expect.quarantine_reason: 'Bogus' is not a valid quarantine "
        "reason (one of: EncounteredBaseEscrowThreshold, EncounteredTotalEscrowThreshold, "
        "EncounteredEscrowProportionThreshold, EncounteredQuarantineException, Unknown, "
        "QuarantinedOnDemand, TooManyDeletes, IngestionInterrupted, null)",
    ]


def test_actions_must_be_simulation_methods_with_the_right_subject():
    out = problems(BASE + """\
  - at: +1m
    action: advance
  - at: +1m
    action: start_profile
    job: hr
  - at: +1m
    action: restart_job
    job: hr
    reset_scope: Everything
  - at: +1m
    action: start_jb
    job: hr
  - at: +1m
    action: start_profile
    profile: north
    reset_scope: Full
""")
    assert out == [
        "s.yaml:12:13: action: 'advance' is not a Simulation method (time moves with 'at')",
        "s.yaml:15:5: action 'start_profile' takes a profile, not a job",
        "s.yaml:19:18: reset_scope: unknown restart scope 'Everything'",
        "s.yaml:21:13: action: 'start_jb' is not a Simulation method (did you mean "
        "'start_job'?)",
        "s.yaml:26:5: action 'start_profile' does not take 'reset_scope'",
    ]


def test_fault_checks():
    out = problems(BASE + """\
  - at: +1m
    fault: credential_failure
    profile: north
  - at: +1m
    fault: entry_failures
    job: hr
    params: {rate: 2}
  - at: +1m
    fault: entry_failures
    job: hr
    params: {speed: 2}
  - at: +1m
    fault: volcano
  - at: +1m
    fault: endpoint_down
    job: hr
    duration: soon
""")
    assert out == [
        "s.yaml:13:5: fault 'credential_failure' applies to jobs, not profiles",
        "s.yaml:17:20: params: fault 'entry_failures' parameter 'rate' must be between 0 and 1, "
        "not 2",
        "s.yaml:21:21: params: fault 'entry_failures' has no parameter 'speed' (parameters: "
        "code, count, rate, reference)",
        "s.yaml:23:12: timeline[3].fault: 'volcano' is not a valid fault kind (one of: "
        "credential_failure, endpoint_down, throttling, entry_failures, mass_deletes, "
        "replica_unavailable, provisioning_failure, deletion_failure, throttle, unavailable, "
            "gateway_timeout, quarantine)",
        "s.yaml:27:15: duration: not an ISO 8601 duration: 'soon'",
    ]


def test_a_request_fault_takes_no_target_and_says_its_own_kind():
    out = problems(BASE + """\
  - at: +1m
    fault: gateway_timeout
    job: hr
""")
    assert out == ["s.yaml:12:12: fault 'gateway_timeout' applies to API calls and takes no "
                   "profile or job"]


def test_an_entry_has_exactly_one_kind_and_only_its_fields():
    out = problems(BASE + """\
  - at: +1m
    action: start_job
    job: hr
    expect: {job: hr, exists: true}
  - at: +1m
    note: nothing to do
  - at: +1m
    expect: {job: hr, exists: true}
    job: hr
  - at: +1m
    fault: endpoint_down
    files: {}
""")
    assert out == [
        "s.yaml:14:5: timeline[0]: a timeline entry needs exactly one of 'action', 'fault' or "
        "'expect'",
        "s.yaml:15:5: timeline[1]: a timeline entry needs exactly one of 'action', 'fault' or "
        "'expect'",
        "s.yaml:19:5: timeline[2]: field 'job' is not a field of an expect entry (the subject "
        "goes inside expect)",
        "s.yaml:22:5: timeline[3]: field 'files' is not a field of a fault entry",
    ]


def test_every_problem_of_a_file_is_reported_at_once():
    text = BASE.replace("seed: 1", "seed: -1") + """\
  - at: never
    action: start_profile
    profile: nobody
  - at: +1m
    expect: {job: hr, schedule_state: Running, colour: red}
"""
    out = problems(text)
    assert len(out) == 5
    assert "s.yaml:13:14: unknown profile 'nobody' (known profiles: north)" in out
    assert all(re.match(r"^s\.yaml:\d+:\d+: ", line) for line in out)


def test_yaml_syntax_error_has_the_parser_position():
    assert problems("name: t\ntimeline: [\n  {at: +1m\n") == [
        "s.yaml:4:1: YAML syntax error: while parsing a flow mapping expected ',' or '}', but "
        "got '<stream end>'",
    ]


def test_duplicate_keys_are_problems():
    out = problems("name: t\ntimeline: []\nname: u\n")
    assert out == ["s.yaml:3:1: duplicate key 'name' (first given at line 1)"]


def test_yaml_11_surprises_stay_strings():
    out = problems(BASE + "  - at: 9:40\n    expect: {job: hr, exists: true}\n")
    assert out[0].startswith("s.yaml:11:9: timeline[0].at: '9:40' is not a time")


def test_empty_and_non_mapping_documents():
    assert problems("") == ["s.yaml:1:1: the file is empty: a scenario needs at least a name "
                            "and a timeline"]
    assert problems("- a\n- b\n") == ["s.yaml:1:1: a scenario is a mapping of fields, not a list"]


def test_keys_must_be_unique_and_created_before_use():
    out = problems(BASE.replace("jobs:\n  - key: hr\n", "jobs:\n  - key: hr\n  - key: hr\n"
                                "  - key: later\n    create: false\n")
                   + "  - at: +1m\n    action: start_job\n    job: later\n"
                   "  - at: +1m\n    action: create_job\n    job: hr\n")
    assert out == [
        "s.yaml:10:10: jobs[1].key: duplicate job key 'hr'",
        "s.yaml:16:10: job 'later' is not created yet (it is declared with create: false; add "
        "a create_job action before this one)",
        "s.yaml:18:13: job 'hr' is already created (declare it with create: false to create "
        "it in the timeline)",
    ]


def test_graph_body_problems_point_into_the_body():
    out = problems("""\
name: t
profiles:
  - key: p
    body:
      displayName: P
      dataProvider: {"@odata.type": "#microsoft.graph.educationFtpDataProvider"}
      identitySynchronizationConfiguration:
        "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration"
        userDomains: [{appliesTo: student, name: 5}]
  - key: q
    body: {dataProvider: {"@odata.type": "#microsoft.graph.educationCsvDataProvider"}}
jobs:
  - key: j
    body: {templateId: scim, schedule: {interval: often}}
  - key: k
    settings: {QuarantineTooManyDeletesThreshold: many}
timeline: []
""")
    assert out[0].startswith("s.yaml:6:21: profiles[0].body.dataProvider.@odata.type: unknown "
                             "type '#microsoft.graph.educationFtpDataProvider'")
    assert out[1].startswith("s.yaml:11:11: profiles[1].body: the service would refuse it: "
                             "400 badRequest: The property 'displayName' is required.")
    assert out[2].startswith("s.yaml:14:51: jobs[0].body.schedule.interval: ")
    assert out[3].startswith("s.yaml:16:15: jobs[1].settings: the service would refuse it: 400")
    assert len(out) == 4


def test_jobs_declared_alike_each_get_the_engines_answer():
    """The engine is asked once per distinct body, objects and PATCH; every job declared
    so still gets its own problem, at its own place."""
    jobs = "".join(f"  - {{key: k{i}, body: {{templateId: scim}}, objects: {{User: 5}}, "
                   f"settings: {{QuarantineTooManyDeletesThreshold: {word}}}}}\n"
                   for i, word in enumerate(["many", "7", "many", "lots", "7"]))
    out = problems(f"name: t\njobs:\n{jobs}timeline: []\n")
    assert [line.split(": the service would refuse it: 400")[0] for line in out] == [
        f"s.yaml:{n}:{col}: jobs[{i}].settings" for n, col, i in
        ((3, 71, 0), (5, 71, 2), (6, 71, 3))]


def test_csv_sources_are_checked(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "School.csv").write_bytes(b"SIS ID,Name\n1,\xff\n")
    path = tmp_path / "s.yaml"
    path.write_text("""\
name: t
profiles:
  - key: a
    csv: {folder: data}
  - key: b
    csv: {folder: nowhere}
  - key: c
    csv:
      generate:
        schools: 1
        students: 5
        defects:
          missing: {Student.csv: 6}
          dangling: {School.csv: 1}
          duplicates: {Student.csv: {count: 1, column: Colour}}
          bad_format: {Section.csv: {count: 1, column: Section Name}}
      files: {notes.txt: hello}
timeline:
  - at: +1m
    action: upload_files
    profile: c
""", encoding="utf-8")
    out = [str(p) for p in validate(path)]
    f = str(path)
    assert f"{f}:17:15: profiles[2].csv.files: 'notes.txt' is not a CSV file name (NAME.csv)" in out
    path.write_text(path.read_text().replace("      files: {notes.txt: hello}\n", ""))
    out = [str(p) for p in validate(path)]
    assert out[0].startswith(f"{f}:4:19: csv.folder: cannot read School.csv: ")
    assert out[1:] == [
        f"{f}:6:19: csv.folder: no folder 'nowhere' next to the scenario",
        f"{f}:13:34: defects.missing.Student.csv: 6 defective rows asked for, but Student.csv "
        "has 5 rows to spare",
        f"{f}:14:34: defects.dangling.School.csv: School.csv has no column for dangling defects",
        f"{f}:15:56: defects.duplicates.Student.csv: 'Colour' is not a column of Student.csv "
        "(SIS ID, School SIS ID, Username)",
        f"{f}:16:56: defects.bad_format.Section.csv: column 'Section Name' cannot have "
        "bad_format defects (columns that can: SIS ID, School SIS ID)",
    ]


def test_upload_needs_files_from_somewhere_and_config_keys_are_known():
    out = problems("""\
name: t
config: {cycle_interval: PT30M, cycle_intervall: PT1H, status_lag: soon}
profiles:
  - key: bare
timeline:
  - at: +1m
    action: upload_files
    profile: bare
""")
    assert out[0] == ("s.yaml:2:33: config: unknown setting 'cycle_intervall' (did you mean "
                      "'cycle_interval'?)")
    assert out[1].startswith("s.yaml:2:68: config.status_lag: ")
    assert out[2] == ("s.yaml:6:5: action 'upload_files': profile 'bare' declares no csv, so "
                      "the entry needs files")


def test_json_scenarios_load_with_positions(tmp_path):
    path = tmp_path / "s.json"
    doc = {"name": "t", "jobs": [{"key": "hr"}],
           "timeline": [{"at": "+1m", "expect": {"job": "hr", "job_code": "Nope"}}]}
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    out = [str(p) for p in validate(path)]
    assert len(out) == 1 and out[0].startswith(f"{path}:13:21: timeline[0].expect.job_code:")
    doc["timeline"][0]["expect"]["job_code"] = "NotConfigured"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load(path).jobs[0].key == "hr"


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.yaml")


def test_the_shipped_schema_is_a_valid_draft_2020_12_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"



def _outcome(text: str) -> object:
    """What loading ``text`` gives: the scenario, or the text of every problem."""
    try:
        return load_string(text, "f.yaml")
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]


def test_libyaml_changes_no_scenario_and_no_problem(monkeypatch):
    """With libyaml (when PyYAML has it) every file loads as with the pure-Python parser
    alone: the same scenario, or the same problems in the same words and places; compared
    on every scenario shipped and on 150 hostile mutants of them."""
    import random
    from pathlib import Path

    from sdssim.scenario import _yaml
    from sdssim.testing.fuzzing import scenario_mutants

    if _yaml._CParser is None:
        pytest.skip("PyYAML without libyaml: only the pure-Python parser runs")
    root = Path(__file__).resolve().parents[2]
    files = sorted((root / "scenarios").glob("*.yaml")) + [root / "tests" / "scenario" /
                                                            "golden" / "small.yaml"]
    seeds = [f.read_bytes() for f in files]
    texts = [_yaml.decode(raw, "f")[0] for raw in seeds]
    assert all(_yaml.can_load_fast(t) for t in texts)  # the shipped ones go fast
    mutants = [_yaml.decode(raw, "m")[0] for raw in
               scenario_mutants(random.Random(2027), seeds, 150)]
    texts += [t for t in mutants if t is not None]
    with_libyaml = [_outcome(t) for t in texts]
    nodes = [_yaml._load_fast(t, "f") if _yaml.can_load_fast(t) else None for t in texts]
    monkeypatch.setattr(_yaml, "_CParser", None)
    assert not _yaml.can_load_fast(texts[0])
    for text, fast, node in zip(texts, with_libyaml, nodes, strict=True):
        assert fast == _outcome(text), text[:3000]
        if node is not None:  # libyaml parsed it: the same data and places as PyYAML's
            data, locs, problems = _yaml._load(text, "f")
            assert (node[0], node[1].values, node[1].keys, node[2]) == \
                (data, locs.values, locs.keys, problems), text[:3000]
    assert sum(n is not None for n in nodes) > len(files)  # some mutants went fast too


def test_a_tab_inside_a_plain_scalar_is_refused_as_before():
    """libyaml takes ``faul\tt:`` as a key; PyYAML refuses the tab: the file is refused
    with PyYAML's words."""
    text = BASE + "  - at: +1h\n    not\te: x\n    action: start_job\n    job: hr\n"
    problems = _outcome(text)
    assert isinstance(problems, list) and len(problems) == 1
    assert "found character '\\t' that cannot start any token" in problems[0]


def test_equal_values_are_kept_once_and_written_out_in_full():
    """Jobs declared alike share their body, objects and settings (memory for a file of
    100,000 jobs); exporting the scenario still writes each one in full, without YAML
    anchors, and loads back equal."""
    from sdssim.scenario.export import dump_document

    text = BASE.replace("  - key: hr\n", "".join(
        f"  - {{key: j{i}, body: {{templateId: scim}}, objects: {{User: 7}}}}\n"
        for i in range(3))) + "".join(
        f"  - {{at: +1h, action: start_job, job: j{i}}}\n" for i in range(3))
    sc = load_string(text, "s.yaml")
    assert sc.jobs[0].body is sc.jobs[2].body and sc.jobs[0].objects is sc.jobs[1].objects
    assert sc.timeline[0].kwargs is sc.timeline[2].kwargs
    out = dump_document({"name": "t", "jobs": [j.to_document() for j in sc.jobs],
                         "timeline": []})
    assert "&id" not in out and "*id" not in out
    again = load_string(out, "s.yaml")
    assert [j.to_document() for j in again.jobs] == [j.to_document() for j in sc.jobs]
