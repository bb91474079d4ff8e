"""``sdssim sweep`` through click's CliRunner."""

import json
import re
from pathlib import Path

from click.testing import CliRunner

from sdssim.cli import main

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
CREDENTIALS = str(SCENARIOS / "08-credential-quarantine-lifted-by-start.yaml")


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_sweep_writes_the_tables_and_prints_the_summary(tmp_path):
    res = invoke("sweep", CREDENTIALS, "--seeds", "0:6", "--workers", "1", "--threads",
                 "--grid", "cycle_interval=PT20M,PT40M", "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert "12 runs on 1 worker(s)" in res.output
    assert "cycle_interval=PT20M: 6 runs, expectations hold 100.0%, quarantined 100.0%, " \
           "disabled 0.0%" in res.output
    # the interval shows: more cycles at PT20M than at PT40M (identical rows before `cycles`)
    cycles = [float(c) for c in re.findall(r"cycles ([0-9.]+) per run", res.output)]
    assert len(cycles) == 2 and cycles[0] > cycles[1]
    for name in ("outcomes.csv", "outcomes.parquet", "summary.csv", "summary.json",
                 "summary.png"):
        assert (tmp_path / name).is_file(), name
    assert json.loads((tmp_path / "summary.json").read_text())["runs"] == 12
    lines = (tmp_path / "outcomes.csv").read_text().splitlines()
    assert lines[0].startswith("point,cycle_interval,seed,passed,")
    assert len(lines) == 13


def test_default_out_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = invoke("sweep", CREDENTIALS, "--seeds", "3", "--workers", "1", "--threads")
    assert res.exit_code == 0, res.output
    out = tmp_path / "out" / "08-credential-quarantine-lifted-by-start-sweep"
    assert (out / "outcomes.csv").read_text().splitlines()[1].startswith("0,3,true,")


def test_usage_errors_exit_2_with_one_line(tmp_path):
    res = invoke("sweep", CREDENTIALS, "--seeds", "0:x")
    assert res.exit_code == 2 and "sdssim: error: --seeds: bad seeds '0:x'" in res.output
    res = invoke("sweep", CREDENTIALS, "--seeds", "0:2", "--grid", "bogus=1")
    assert res.exit_code == 2 and "--grid: unknown SimConfig setting 'bogus'" in res.output
    res = invoke("sweep", CREDENTIALS)
    assert res.exit_code == 2 and "--seeds" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntimeline: []\nnope: 1\n")
    res = invoke("sweep", str(bad), "--seeds", "0:2")
    assert res.exit_code == 2 and "bad.yaml:3:1" in res.output
    res = invoke("sweep", str(tmp_path / "missing.yaml"), "--seeds", "0:2")
    assert res.exit_code == 2 and "cannot read" in res.output
