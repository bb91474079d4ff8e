"""``count`` on a job: many jobs alike from one declaration, and entries naming them all."""

import pytest

from sdssim.errors import ScenarioError
from sdssim.scenario import (
    ActionEntry,
    ExpectEntry,
    FaultEntry,
    load_string,
    run,
    schema,
    semantics_groups,
)

HEAD = "name: g\nstart: 2026-09-01T08:00:00Z\n"


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_string(text, "g.yaml")
    return [str(p) for p in info.value.problems]


def test_count_declares_jobs_keyed_by_number_and_entries_apply_to_each():
    sc = load_string(HEAD + """\
jobs:
  - {key: school, count: 12, body: {templateId: scim}, objects: {User: 300}}
  - {key: solo}
timeline:
  - {at: +0m, action: start_job, job: school}
  - {at: +1h, fault: endpoint_down, job: school-03, duration: 2h}
  - {at: +1h, fault: entry_failures, job: school, duration: 1h, params: {rate: 0.5}}
  - {at: +1d, expect: {job: school, job_code: Active}}
""", "g.yaml")
    keys = [j.key for j in sc.jobs]
    assert keys == [f"school-{n:02d}" for n in range(1, 13)] + ["solo"]
    assert [j.sp for j in sc.jobs[:2]] == ["sp-school-01", "sp-school-02"]
    assert all(j.body == {"templateId": "scim"} and j.line == 4 for j in sc.jobs[:12])
    starts = [e for e in sc.timeline if isinstance(e, ActionEntry)]
    assert [e.job for e in starts] == keys[:12] and {e.line for e in starts} == {7}
    faults = [e for e in sc.timeline if isinstance(e, FaultEntry)]
    assert [e.job for e in faults] == ["school-03"] + keys[:12]
    expects = [e for e in sc.timeline if isinstance(e, ExpectEntry)]
    assert [e.key for e in expects] == keys[:12]
    result = run(sc)
    assert result.passed and result.checks_passed == 12
    started = {e.subject for e in result.sim.events if e.trigger == "start"}
    assert len(started) == 12  # every job of the group, not solo


def test_one_service_principal_for_all_and_the_default_body_names_the_group():
    sc = load_string(HEAD + "jobs:\n  - {key: hr, count: 3, service_principal: sp-main}\n"
                     "timeline: []\n", "g.yaml")
    assert {j.sp for j in sc.jobs} == {"sp-main"}
    assert {j.create_body()["templateId"] for j in sc.jobs} == {"hr"}
    assert [j.key for j in sc.jobs] == ["hr-1", "hr-2", "hr-3"]


def test_created_later_by_one_action_naming_the_group():
    text = HEAD + """\
jobs:
  - {key: w, count: 2, create: false}
timeline:
  - {at: +0m, action: start_job, job: w-1}
"""
    assert _problems(text) == ["g.yaml:6:39: job 'w-1' is not created yet (it is declared "
                               "with create: false; add a create_job action before this one)"]
    sc = load_string(text.replace("  - {at: +0m, action: start_job",
                                  "  - {at: +0m, action: create_job, job: w}\n"
                                  "  - {at: +0m, action: start_job"), "g.yaml")
    result = run(sc)
    assert result.passed
    assert sum(line.text.startswith("create_job") for line in result.log) == 2


def test_keys_a_count_makes_must_be_free():
    assert _problems(HEAD + "jobs:\n  - {key: a-2}\n  - {key: a, count: 3}\ntimeline: []\n") \
        == ["g.yaml:5:21: jobs[1].count: makes the job key 'a-2', which is declared already"]


def test_the_number_of_jobs_has_a_hard_limit(monkeypatch):
    assert schema()["$defs"]["job"]["properties"]["count"]["maximum"] == \
        semantics_groups.MAX_JOBS
    monkeypatch.setattr(semantics_groups, "MAX_JOBS", 10)
    out = _problems(HEAD + "jobs:\n  - {key: a, count: 8}\n  - {key: b}\n"
                    "  - {key: c, count: 2}\ntimeline: []\n")
    assert out == ["g.yaml:6:21: jobs[2].count: 11 jobs in all, over the limit of 10 "
                   "(limit MAX_JOBS)"]
    monkeypatch.undo()
    assert "must be at most 250,000 (a hard limit)" in _problems(
        HEAD + "jobs:\n  - {key: a, count: 250001}\ntimeline: []\n")[0]


def test_entries_naming_groups_count_once_for_each_job(monkeypatch):
    """A small file cannot ask for millions of entries: each entry naming a group of N
    jobs counts N toward MAX_ENTRIES, and the entry that passes it is refused."""
    monkeypatch.setattr(semantics_groups, "MAX_ENTRIES", 25)
    text = HEAD + "jobs:\n  - {key: a, count: 10}\ntimeline:\n" + \
        "  - {at: +1m, expect: {job: a, job_code: NotConfigured}}\n" * 3
    assert _problems(text) == ["g.yaml:8:5: timeline[2]: 30 timeline entries in all once "
                               "each job of a group has its own, over the limit of 25 "
                               "(limit MAX_ENTRIES)"]
    assert len(load_string(text.rsplit("  - ", 1)[0], "g.yaml").timeline) == 20


def test_a_member_created_alone_counts_for_its_group():
    """A group exists when each of its jobs does, however they were created; no job is
    created twice."""
    head = HEAD + "jobs:\n  - {key: a, count: 2, create: false}\ntimeline:\n"
    twice = head + ("  - {at: +0m, action: create_job, job: a-2}\n"
                    "  - {at: +1m, action: create_job, job: a}\n")
    assert _problems(twice) == ["g.yaml:7:23: job 'a-2' is already created (an earlier "
                                "create_job created it)"]
    one_by_one = head + ("  - {at: +0m, action: create_job, job: a-1}\n"
                         "  - {at: +0m, action: create_job, job: a-2}\n"
                         "  - {at: +1m, action: start_job, job: a}\n")
    assert run(load_string(one_by_one, "g.yaml")).passed
    half = head + ("  - {at: +0m, action: create_job, job: a-1}\n"
                   "  - {at: +1m, action: start_job, job: a}\n")
    assert _problems(half) == ["g.yaml:7:39: job 'a-2' is not created yet (it is declared "
                               "with create: false; add a create_job action before this one)"]


def test_messages_about_job_keys_name_groups_not_their_jobs():
    head = HEAD + "jobs:\n  - {key: school, count: 100000}\n  - {key: hr}\ntimeline:\n"
    out = _problems(head + "  - {at: +0m, action: start_job, job: school-42}\n"
                    "  - {at: +0m, action: start_job, job: school-100001}\n"
                    "  - {at: +0m, action: start_job, job: shcool}\n")
    known = "(known jobs: hr, school (school-000001 … school-100000))"
    assert out == [
        f"g.yaml:7:39: unknown job 'school-42' (did you mean 'school-000042'?) {known}",
        f"g.yaml:8:39: unknown job 'school-100001' (group 'school' has 100,000 jobs) {known}",
        f"g.yaml:9:39: unknown job 'shcool' (did you mean 'school'?) {known}"]
    dup = _problems(HEAD + "jobs:\n  - {key: a, count: 3}\n  - {key: a-2}\ntimeline: []\n")
    assert dup == ["g.yaml:5:11: jobs[1].key: duplicate job key 'a-2' (a job of group 'a', "
                   "declared with count)"]
