"""The sdssim command line: exit codes, outputs, one-line errors, never a traceback."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sdssim.cli import main

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "tests" / "scenario" / "golden" / "small.yaml"
FIRST = REPO / "scenarios" / "01-first-csv-sync.yaml"

FAILING = """\
name: failing
jobs:
  - key: hr
timeline:
  - at: +1h
    expect: {job: hr, job_code: Active, schedule_state: Disabled}
"""


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_run_passes_writes_jsonl_and_prints_a_timeline(tmp_path):
    out = tmp_path / "out"
    result = invoke("run", SMALL, "--out", out)
    assert result.exit_code == 0, result.output
    assert "PASS  8 of 8 checks hold" in result.stdout
    assert "sync: paused → validating  [start]" in result.stdout
    for name in ("events.jsonl", "snapshots.jsonl", "errors.jsonl"):
        lines = (out / name).read_text(encoding="utf-8").splitlines()
        assert lines, name
        for line in lines:
            record = json.loads(line)
            assert "seq" in record and "time" in record
            assert line == json.dumps(record, sort_keys=True, separators=(",", ":"))
    checks = json.loads((out / "expectations.json").read_text(encoding="utf-8"))
    assert len(checks) == 8 and all(c["passed"] for c in checks)


def test_run_failure_exits_1_and_shows_time_expected_and_actual(tmp_path):
    path = tmp_path / "failing.yaml"
    path.write_text(FAILING, encoding="utf-8")
    result = invoke("run", path, "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert (f"{path}:6:23: at 2026-09-01T09:00:00Z job hr job_code: expected 'Active', "
            "actual 'NotConfigured'") in result.stdout
    assert "FAIL  1 of 2 checks failed" in result.stdout


def test_seed_overrides_and_same_seed_is_byte_identical(tmp_path):
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        assert invoke("run", SMALL, "--seed", seed, "-q", "--out", tmp_path / name).exit_code == 0
    a = (tmp_path / "a" / "events.jsonl").read_bytes()
    assert a == (tmp_path / "b" / "events.jsonl").read_bytes()
    assert a != (tmp_path / "c" / "events.jsonl").read_bytes()


def test_until_stops_early_and_says_so(tmp_path):
    result = invoke("run", SMALL, "--until", "+20m", "--out", tmp_path / "o")
    assert result.exit_code == 0
    assert "Stopped at 2026-09-01T08:20:00Z (--until): 6 later check(s) not evaluated." \
        in result.stdout
    events = (tmp_path / "o" / "events.jsonl").read_text().splitlines()
    assert json.loads(events[-1])["time"] <= "2026-09-01T08:20:00Z"


@pytest.mark.parametrize("until", ["yesterday", "2026-08-01T00:00:00Z"])
def test_bad_until_is_a_usage_error(until, tmp_path):
    result = invoke("run", SMALL, "--until", until, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert result.stderr.startswith("sdssim: error: --until: ")
    assert len(result.stderr.splitlines()) == 1


def test_invalid_scenario_exits_2_with_located_problems(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: t\ntimeline:\n  - at: soon\n    action: fly\n", encoding="utf-8")
    for command in ("run", "explain", "validate"):
        result = invoke(command, path)
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert len(lines) == 2
        assert all(re.match(rf"^{re.escape(str(path))}:\d+:\d+: ", line) for line in lines)


@pytest.mark.parametrize("args, message", [
    ((), "Usage"),
    (("run",), "sdssim: error: Missing argument 'SCENARIO'."),
    (("fly",), "sdssim: error: No such command 'fly'."),
    (("run", "nowhere.yaml"), "sdssim: error: cannot read 'nowhere.yaml': No such file or "
                              "directory"),
    (("run", SMALL, "--seed", "-1"), "sdssim: error: Invalid value for '--seed'"),
    (("diagram", "lifecycle"), "sdssim: error: Invalid value for 'MACHINE'"),
    (("diagram", "job", "--format", "svg"), "sdssim: error: Invalid value for '--format'"),
    (("validate",), "sdssim: error: Missing argument 'SCENARIO...'."),
])
def test_usage_errors_are_one_line_and_exit_2(args, message):
    result = invoke(*args)
    if not args:  # a bare `sdssim` shows the help, like `git`
        assert result.exit_code in (0, 2) and "Usage" in result.output
        return
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


def test_unreadable_inputs_are_one_line_errors(tmp_path):
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"name: \xff\xfe\n")
    result = invoke("validate", binary)
    assert result.exit_code == 2
    assert result.stderr == (f"{binary}:1:7: not UTF-8 text: byte 0xff cannot start or "
                             "continue a character\n")
    result = invoke("run", tmp_path)
    assert result.exit_code == 2
    assert result.stderr == f"sdssim: error: cannot read '{tmp_path}': it is a directory\n"


def test_yaml_syntax_errors_carry_the_parser_position(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: t\ntimeline:\n  - at: +1m\n   expect: {\n", encoding="utf-8")
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert re.match(rf"^{re.escape(str(path))}:4:\d+: YAML syntax error: ", result.stderr)


def test_validate_many_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: t\ntimeline: []\nseed: x\n", encoding="utf-8")
    result = invoke("validate", FIRST, SMALL)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"{FIRST}: ok", f"{SMALL}: ok"]
    result = invoke("validate", FIRST, bad)
    assert result.exit_code == 2
    assert result.stderr == f"{bad}:3:7: seed: expected an integer, got a string\n"


def test_explain_narrates_with_times_and_thousands(tmp_path):
    path = REPO / "scenarios" / "09-escrow-proportion-lifted-by-restart.yaml"
    result = invoke("explain", path)
    assert result.exit_code == 0
    assert ("11:00  job hr-sync entered quarantine (EncounteredEscrowProportionThreshold), will "
            "retry 6 hours after the first failure: 6,120 of 12,000 entries failed, above the "
            "40% threshold; next attempt 17:00") in result.stdout
    assert "11:20  job hr-sync restarted but stays in quarantine" in result.stdout
    assert "Tuesday 1 September 2026" in result.stdout
    assert "All 28 expectations hold." in result.stdout


def test_explain_reports_failures_with_exit_1(tmp_path):
    path = tmp_path / "failing.yaml"
    path.write_text(FAILING, encoding="utf-8")
    result = invoke("explain", path)
    assert result.exit_code == 1
    assert "check FAILS: job hr job_code: expected 'Active', got 'NotConfigured'" \
        in result.stdout


@pytest.mark.parametrize("machine", ["profile", "sync", "job", "schedule", "quarantine"])
def test_diagram_prints_mermaid_and_dot(machine):
    from sdssim.machines import to_dot, to_mermaid

    result = invoke("diagram", machine)
    assert result.exit_code == 0 and result.stdout == to_mermaid(machine)
    result = invoke("diagram", machine, "--format", "dot")
    assert result.exit_code == 0 and result.stdout == to_dot(machine)


def test_schema_and_version():
    result = invoke("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "sdssim scenario"
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("sdssim ")


def test_python_dash_m_runs_byte_identically(tmp_path):
    outputs = []
    for name in ("a", "b"):
        proc = subprocess.run(
            [sys.executable, "-m", "sdssim", "run", str(SMALL), "--out", str(tmp_path / name)],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""
        outputs.append(proc.stdout)
    for file in ("events.jsonl", "snapshots.jsonl", "errors.jsonl", "expectations.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    assert outputs[0].replace(str(tmp_path / "a"), "") == outputs[1].replace(str(tmp_path / "b"),
                                                                              "")


def test_python_dash_m_invalid_scenario_exits_2_without_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: t\ntimeline: [{at: +1m, expect: {job: ghost, exists: true}}]\n",
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sdssim", "validate", str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == (f"{path}:2:36: unknown job 'ghost' (known jobs: none declared)\n")
    assert "Traceback" not in proc.stderr + proc.stdout


def test_scorecard_grades_a_saved_request_log(tmp_path):
    import json as _json

    from click.testing import CliRunner

    from sdssim.cli import main as cli_main

    log = [
        {"seq": 1, "time": "2026-09-01T08:00:00Z", "wall": 0.0, "method": "GET",
         "path": "/beta/education/synchronizationProfiles", "status": 429, "retryAfter": 5,
         "retryAttempt": None, "clientRequestId": None},
        {"seq": 2, "time": "2026-09-01T08:00:00Z", "wall": 0.5, "method": "GET",
         "path": "/beta/education/synchronizationProfiles", "status": 200, "retryAfter": None,
         "retryAttempt": "1", "clientRequestId": None},
    ]
    path = tmp_path / "requests.json"
    path.write_text(_json.dumps({"value": log}))
    result = CliRunner().invoke(cli_main, ["scorecard", str(path), "--json"])
    card = _json.loads(result.output)
    assert card["requests"] == 2 and card["statuses"] == {"200": 1, "429": 1}
    # the retry came 0.5 s after a 429 that asked for 5 s: Retry-After was not honoured
    assert card["checks"]["retryAfter"]["result"] == "fail"
    assert card["checks"]["retryAfter"]["tooEarly"][0]["waited"] == 0.5
    assert result.exit_code == 1


def test_scorecard_on_a_missing_file_is_one_readable_line(tmp_path):
    from click.testing import CliRunner

    from sdssim.cli import main as cli_main

    result = CliRunner().invoke(cli_main, ["scorecard", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "cannot read requests" in result.output and "Traceback" not in result.output


def test_plot_and_report_commands_on_a_real_run(tmp_path):
    from click.testing import CliRunner
    from PIL import Image

    from sdssim.cli import main as cli_main

    runner = CliRunner()
    out = tmp_path / "run"
    ran = runner.invoke(cli_main, ["run", "scenarios/08-credential-quarantine-lifted-by-start.yaml",
                                   "--out", str(out), "-q"])
    assert ran.exit_code == 0, ran.output
    png = tmp_path / "run.png"
    result = runner.invoke(cli_main, ["plot", str(out), "--out", str(png)])
    assert result.exit_code == 0, result.output
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size[0] > 400
    html = tmp_path / "run.html"
    result = runner.invoke(cli_main, ["report", str(out), "--html", str(html), "--title", "HR"])
    assert result.exit_code == 0, result.output
    text = html.read_text(encoding="utf-8")
    assert "<title>HR" in text and "hr-sync" in text and "Quarantine" in text


def test_plot_of_a_missing_run_dir_is_one_readable_line(tmp_path):
    from click.testing import CliRunner

    from sdssim.cli import main as cli_main

    result = CliRunner().invoke(cli_main, ["plot", str(tmp_path / "nope"), "--out", "x.png"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "nope" in result.output


@pytest.mark.parametrize("text", [
    "job: Active → Quarantine  [quarantine]", "[bold]not markup[/bold] a\\[b] [red]",
    ":smile: :thumbs_up: no emoji", "trailing spaces   ", "é → ✓ ⚡ 日本語 · (removed)",
    "line\u2028separator\u0085next", "x" * 300, "tab\there", "return\rhere",
    "escape \x1b[31m red", "bell\x07 and delete\x7f",
])
@pytest.mark.parametrize("ok", [True, False])
def test_timeline_written_directly_reads_as_rich_prints_it(text, ok):
    """Off a terminal the timeline skips rich for plain lines: the bytes must not change."""
    import io

    import pendulum

    from sdssim.cli.group import new_console
    from sdssim.cli.run import print_timeline
    from sdssim.scenario.explain import Line

    when = pendulum.datetime(2026, 9, 1, 8, 40, 12)
    lines = [Line(when, kind, subject, text, ok)
             for kind in ("event", "action", "fault", "check")
             for subject in ("job hr-sync", text[:40], "profile [x]")]
    direct, through_rich = io.StringIO(), io.StringIO()
    fast, slow = new_console(), new_console()
    fast.file, slow.file = direct, through_rich
    slow.record = True  # a recording console goes through rich
    assert not fast.is_terminal and fast.color_system is None  # the direct path is on
    print_timeline(fast, lines)
    print_timeline(slow, lines)
    assert direct.getvalue() == through_rich.getvalue()
    assert direct.getvalue().count("\n") >= len(lines)
