"""Hostile scenario files: every hard limit is a located problem (exit 2), never exit 3.

Each case is one the issue measured: an alias bomb, deep nesting, a huge
generated count, a time past year 9999, YAML tags on the wrong type, a float
where an integer belongs, a non-finite number, null timeline items, bytes that
are not UTF-8.  ``validate`` must refuse them, so ``run`` never meets them.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from sdssim.cli import main
from sdssim.errors import ScenarioError
from sdssim.scenario import load, load_string
from sdssim.scenario.limits import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_GENERATED_ROWS,
    MAX_HORIZON_DAYS,
    MAX_NODES,
)

HEAD = """\
name: t
start: 2026-09-01T08:00:00Z
profiles:
  - key: p
    csv:
      generate: {schools: 1, sections: 2, students: 10, teachers: 1}
jobs:
  - key: j
timeline:
"""

BOMB = "\n".join(["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                 + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
                 ) + "\nname: *a9\n"


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_string(text, "s.yaml")
    return [str(p) for p in info.value.problems]


def test_the_455_byte_alias_bomb_is_refused_by_the_node_limit():
    assert len(BOMB.encode()) < 600
    found = problems(BOMB)
    assert len(found) == 1
    assert re.match(r"s\.yaml:\d+:\d+: more than 200,000 values once YAML aliases are "
                    r"expanded \(limit MAX_NODES = 200,000", found[0]), found
    assert MAX_NODES == 200_000


def test_too_many_aliases_are_refused_where_the_first_one_too_many_is():
    lines = ["x: &x 1", "l:"] + ["  - *x"] * (MAX_ALIASES + 1)
    found = problems("\n".join(lines) + "\n")
    assert found == [f"s.yaml:{MAX_ALIASES + 3}:5: more than {MAX_ALIASES} YAML aliases "
                     f"(limit MAX_ALIASES = {MAX_ALIASES})"]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_deep_nesting_is_refused_without_a_recursion_error(depth):
    found = problems("name: " + "[" * depth + "]" * depth + "\n")
    assert found == [f"s.yaml:1:{6 + MAX_DEPTH}: values nested more than {MAX_DEPTH} levels "
                     f"deep (limit MAX_DEPTH = {MAX_DEPTH})"]


def test_nesting_within_the_limit_is_only_a_type_problem():
    depth = MAX_DEPTH - 2
    found = problems("name: " + "[" * depth + "]" * depth + "\n")
    assert all("nested" not in p for p in found)


def test_an_oversized_document_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"name: t\n" + b"#" * MAX_DOCUMENT_BYTES + b"\n")
    with pytest.raises(ScenarioError) as info:
        load(path)
    size = MAX_DOCUMENT_BYTES + 9
    assert str(info.value.problems[0]).startswith(f"{path}:1:1: the file is {size:,} bytes, "
                                                  f"over the {MAX_DOCUMENT_BYTES:,}-byte limit")
    assert "MAX_DOCUMENT_BYTES" in str(info.value.problems[0])
    path.write_bytes(b"name: t\n" + b"#" * (5 * MAX_DOCUMENT_BYTES) + b"\n")  # the whole size
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert f"the file is {5 * MAX_DOCUMENT_BYTES + 9:,} bytes" in str(info.value.problems[0])


def test_non_utf8_bytes_are_located(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: t\ndescription: caf" + b"\xe9 au lait\n")
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:2:17: not UTF-8 text: byte 0xe9 cannot start or continue a character"]


@pytest.mark.parametrize("value, message", [
    ("!!int x", "'x' cannot be read as !!int"),
    ("!!float abc", "'abc' cannot be read as !!float"),
    ("!!timestamp garbage", "YAML tag !!timestamp is not allowed in a scenario"),
    ("!!binary AAAA", "YAML tag !!binary is not allowed in a scenario"),
    ("!!python/object:os.system x", "YAML tag !!python/object:os.system is not allowed"),
    ("!!set {a: 1}", "YAML tag !!set is not allowed in a scenario"),
    (".inf", "'.inf': a scenario number must be finite"),
    ("-.inf", "'-.inf': a scenario number must be finite"),
    (".nan", "'.nan': a scenario number must be finite"),
    ("!!float 1e999", "'1e999': a scenario number must be finite"),
    ('"\\uD800"', "a string holds a lone UTF-16 surrogate"),
])
def test_tags_on_the_wrong_type_and_non_finite_numbers(value, message):
    found = problems(f"name: t\nseed: {value}\ntimeline: []\n")
    assert any(p.startswith("s.yaml:2:7: ") and message in p for p in found), found


def test_slowdown_inf_is_refused_by_validate():
    found = problems(HEAD + "  - at: +1m\n    fault: throttling\n    job: j\n"
                            "    params: {slowdown: .inf}\n")
    assert any(p.startswith("s.yaml:13:24: '.inf': a scenario number must be finite")
               for p in found), found


def test_a_float_is_not_an_integer():
    found = problems(HEAD.replace("students: 10", "students: 2.0") + "  - at: +1m\n"
                     "    action: upload_files\n    profile: p\n")
    assert found == ["s.yaml:6:53: profiles[0].csv.generate.students: expected an integer, "
                     "got a number"]


def test_a_wrong_type_inside_config_is_refused():
    found = problems("name: t\nconfig:\n  cycle_interval: [1, 2]\ntimeline: []\n")
    assert len(found) == 1 and found[0].startswith("s.yaml:3:19: config.cycle_interval: ")


@pytest.mark.parametrize("count", ["0x7fffffffffffffff", "99999999999999999999"])
def test_a_huge_generated_count_is_refused(count):
    found = problems(HEAD.replace("students: 10", f"students: {count}"))
    assert any(p.startswith("s.yaml:6:53: profiles[0].csv.generate.students: must be at most "
                            "1,000,000 (a hard limit)") for p in found), found


def test_generated_rows_add_up_to_a_limit():
    text = HEAD.replace("sections: 2, students: 10, teachers: 1",
                        "sections: 900000, students: 900000, teachers: 900000")
    found = problems(text)
    assert any(f"over the limit of {MAX_GENERATED_ROWS:,} generated rows" in p
               and p.startswith("s.yaml:6:17:") for p in found), found


def test_a_huge_job_object_count_is_refused():
    found = problems(HEAD.replace("  - key: j\n", "  - key: j\n    objects: {User: 0x7fffffffffffffff}\n"))
    assert any("jobs[0].objects.User: must be at most 10,000,000 (a hard limit)" in p
               for p in found), found


@pytest.mark.parametrize("at", ["+99999999999999999999s", "10000-01-01T00:00:00Z",
                                "+P99999999Y", f"+{MAX_HORIZON_DAYS + 1}d"])
def test_times_past_the_horizon_are_refused(at):
    found = problems(HEAD + f"  - at: '{at}'\n    action: upload_files\n    profile: p\n")
    assert any(p.startswith("s.yaml:10:9: timeline[0].at: ") for p in found), found


def test_a_fault_that_ends_past_the_horizon_is_refused():
    found = problems(HEAD + "  - at: +1m\n    fault: credential_failure\n    job: j\n"
                            "    duration: P99999D\n")
    assert any(p.startswith("s.yaml:13:15: duration: ") and "MAX_HORIZON_DAYS" in p
               for p in found), found


@pytest.mark.parametrize("item", ["null", "~", "5", "'text'", "[1, 2]"])
def test_non_mapping_timeline_items_are_refused(item):
    found = problems(HEAD + f"  - {item}\n")
    assert found and all(p.startswith("s.yaml:10:5: timeline[0]: expected a mapping")
                         for p in found), found


HOSTILE = {
    "bomb": BOMB,
    "deep": "name: " + "[" * 5000 + "]" * 5000 + "\n",
    "tag": "name: !!int x\ntimeline: []\n",
    "timestamp": "name: t\nstart: !!timestamp garbage\ntimeline: []\n",
    "count": HEAD.replace("students: 10", "students: 0x7fffffffffffffff"),
    "float": HEAD.replace("students: 10", "students: 2.0"),
    "inf": HEAD + "  - at: +1m\n    fault: throttling\n    job: j\n    params: {slowdown: .inf}\n",
    "year": HEAD + "  - at: +99999999999999999999s\n    action: upload_files\n    profile: p\n",
    "null": HEAD + "  - null\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_the_cli_exits_2_with_located_problems(tmp_path, name, command):
    path = tmp_path / f"{name}.yaml"
    path.write_text(HOSTILE[name], encoding="utf-8")
    args = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert result.stderr.startswith(f"{path}:"), result.stderr
    assert not (tmp_path / "out").exists()
