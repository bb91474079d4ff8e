"""Golden tests: a small scenario's records and narration are pinned byte for byte.

Regenerate after an intended change with ``SDSSIM_UPDATE_GOLDEN=1 pytest tests/scenario``.
"""

import os
from pathlib import Path

import pytest

from sdssim.outputs.jsonl import dumps
from sdssim.scenario import load, run
from sdssim.scenario.explain import clock_text, narrate, timeline

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("SDSSIM_UPDATE_GOLDEN"))


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path} missing: run with SDSSIM_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def result():
    return run(load(GOLDEN / "small.yaml"))


def test_small_scenario_passes(result):
    assert result.passed and result.checks_passed == 8


def test_events_jsonl_is_golden(result):
    _compare("small.events.jsonl", "".join(dumps(r) + "\n" for r in result.sim.events))


def test_errors_jsonl_is_golden(result):
    _compare("small.errors.jsonl", "".join(dumps(r) + "\n" for r in result.sim.errors))


def test_narration_is_golden(result):
    lines = [line.text if line.kind == "day" else f"{clock_text(line.time)} {line.text}"
             for line in narrate(result)]
    _compare("small.explain.txt", "\n".join(lines) + "\n")


def test_timeline_is_golden(result):
    lines = [f"{clock_text(line.time)} {line.subject} {line.text}" for line in timeline(result)]
    _compare("small.timeline.txt", "\n".join(lines) + "\n")
