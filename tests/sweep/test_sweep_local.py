"""Sweeps on this machine: the same tables serially or on two workers, files and summary."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sdssim.scenario import load
from sdssim.sweep import local, run_one, run_sweep
from sdssim.sweep.local import plan_tasks, run_local, start_method
from sdssim.sweep.outcome import ROW_COLUMNS, run_rows

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DISABLED = SCENARIOS / "12-quarantine-escalates-to-disabled.yaml"
SEEDS = "0:20"
GRID = ["quarantine_disable_after=P28D,P60D"]
FILES = ("outcomes.csv", "outcomes.parquet", "summary.csv", "summary.json", "summary.png")


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return run_sweep(DISABLED, SEEDS, workers=1, grid=GRID, out_dir=out, progress=False), out


def test_two_worker_processes_give_the_serial_tables(serial, tmp_path):
    ref, ref_dir = serial
    seen = []
    res = run_sweep(DISABLED, SEEDS, workers=2, processes=True, grid=GRID, out_dir=tmp_path,
                    chunk=3, progress=lambda done, total: seen.append((done, total)))
    assert res.workers == 2 and ref.workers == 1
    assert res.rows == ref.rows
    assert res.summary == ref.summary
    for name in FILES[:-1]:
        assert (tmp_path / name).read_bytes() == (ref_dir / name).read_bytes(), name
    assert (tmp_path / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert seen[-1] == (40, 40) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    # every task counted once, whoever ran it: 2 points x 20 seeds in tasks of 3 or 2
    assert len(seen) == 14


def test_helper_threads_give_the_serial_rows(serial):
    ref, _ = serial
    res = run_sweep(DISABLED, SEEDS, workers=3, processes=False, grid=GRID, out_dir=None,
                    progress=False)
    assert res.workers == 3 and res.rows == ref.rows and res.summary == ref.summary


def test_rows_are_the_direct_runs_in_grid_then_seed_order(serial):
    res, _ = serial
    assert [(r["point"], r["seed"]) for r in res.rows] == \
        [(p, s) for p in (0, 1) for s in range(20)]
    sc = load(DISABLED)
    for r in res.rows[:3] + res.rows[20:23]:
        direct = run_one(sc, r["seed"], {"quarantine_disable_after": r["quarantine_disable_after"]})
        assert {k: r[k] for k in direct} == direct


def test_summary_contents(serial):
    res, out = serial
    p28, p60 = res.summary
    assert p28["quarantine_disable_after"] == "P28D" and p60["quarantine_disable_after"] == "P60D"
    assert p28["runs"] == p60["runs"] == 20
    assert p28["run_errors"] == 0
    assert p28["p_quarantine"] == p60["p_quarantine"] == 1.0
    assert p28["p_disabled"] == 1.0 and p28["pass_rate"] == 1.0
    assert p60["p_disabled"] == 0.0 and p60["pass_rate"] == 0.0
    assert p28["steady_runs"] == 20
    assert p28["time_to_steady_h_min"] <= p28["time_to_steady_h_p50"] \
        <= p28["time_to_steady_h_p90"] <= p28["time_to_steady_h_p99"] \
        <= p28["time_to_steady_h_max"]
    data = json.loads((out / "summary.json").read_text())
    assert data["runs"] == 40 and data["seeds"] == {"count": 20, "first": 0, "last": 19}
    assert data["grid"] == {"quarantine_disable_after": ["P28D", "P60D"]}
    assert data["points"] == res.summary
    header = (out / "outcomes.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["point", "quarantine_disable_after", "seed"]
    assert len((out / "outcomes.csv").read_text().splitlines()) == 41


def test_parquet_holds_the_rows(serial):
    import pyarrow.parquet as pq

    res, out = serial
    table = pq.read_table(out / "outcomes.parquet")
    assert table.column_names == res.columns
    assert table.to_pylist() == res.rows


def test_bad_arguments_fail_before_any_worker_starts():
    with pytest.raises(ValueError, match="seeds"):
        run_sweep(DISABLED, "x", out_dir=None)
    with pytest.raises(ValueError, match="unknown SimConfig"):
        run_sweep(DISABLED, "0:2", grid=["bogus=1"], out_dir=None)
    with pytest.raises(ValueError, match="workers"):
        run_sweep(DISABLED, "0:2", workers=0, out_dir=None)
    with pytest.raises(ValueError, match="chunk"):
        run_sweep(DISABLED, "0:2", chunk=0, out_dir=None)


# -- tasks and workers ----------------------------------------------------------------

def test_tasks_cover_the_seeds_in_order_and_shrink_towards_the_end():
    seeds = list(range(400))
    tasks = plan_tasks(1, seeds, 2, None)
    assert [s for _, part in tasks for s in part] == seeds
    sizes = [len(part) for _, part in tasks]
    assert sizes[0] == 25 and sizes[-1] == 1
    assert sizes == sorted(sizes, reverse=True)
    assert len(tasks) < 50                        # not one task per seed
    # a grid: tasks never mix points, and every point gets every seed in order
    tasks = plan_tasks(3, range(10), 4, None)
    for p in range(3):
        assert [s for q, part in tasks if q == p for s in part] == list(range(10))
    # a chunk given: that many seeds per task (the last one takes what is left)
    assert [len(part) for _, part in plan_tasks(2, range(7), 2, 3)] == [3, 3, 1, 3, 3, 1]


def test_a_helper_killed_mid_sweep_costs_time_not_rows(serial):
    """The sweep's own process runs whatever a dead helper left unfinished."""
    ref, _ = serial
    sc = load(DISABLED)
    points = [{"quarantine_disable_after": "P28D"}]
    tasks = plan_tasks(1, list(range(20)), 2, 1)
    killed = []

    def on_done(runs):
        if not killed:
            for child in multiprocessing.active_children():
                if child.name.startswith("sdssim-sweep-"):
                    os.kill(child.pid, signal.SIGKILL)
                    child.join()
                    killed.append(child.exitcode)

    rows = run_local(sc, points, tasks, 2, True, on_done)
    assert killed == [-signal.SIGKILL]
    assert [row for part in rows for row in part] == \
        [tuple(r[k] for k in ROW_COLUMNS) for r in ref.rows[:20]]
    assert not [c for c in multiprocessing.active_children() if c.name.startswith("sdssim")]


def test_a_straggler_s_task_is_run_again_rather_than_waited_for(monkeypatch):
    """A helper stuck in its task: the sweep's process runs that task too and goes on."""
    sc = load(DISABLED)
    release, stuck = threading.Event(), []

    def rows_or_stall(scenario, seeds, overrides):
        if threading.current_thread() is not threading.main_thread():
            stuck.append(list(seeds))
            release.wait(60)
        return run_rows(scenario, seeds, overrides)

    monkeypatch.setattr(local, "run_rows", rows_or_stall)
    tasks = plan_tasks(1, list(range(6)), 2, 1)
    try:
        rows = run_local(sc, [{}], tasks, 2, False, lambda runs: None)
    finally:
        release.set()
    assert len(stuck) == 1          # the helper thread took one task, and never finished it
    assert rows == [run_rows(sc, part, {}) for _, part in tasks]


@pytest.mark.parametrize("method", [
    pytest.param("fork", marks=pytest.mark.skipif(not sys.platform.startswith("linux"),
                                                  reason="helpers are forked on Linux only")),
    "spawn",
])
def test_forked_and_spawned_helpers_give_the_serial_rows(serial, method):
    ref, _ = serial
    sc = load(DISABLED)
    points = [{"quarantine_disable_after": "P28D"}, {"quarantine_disable_after": "P60D"}]
    tasks = plan_tasks(2, list(range(20)), 2, 2)
    calls = []
    rows = run_local(sc, points, tasks, 2, True, lambda runs: None,
                     meanwhile=lambda: calls.append(multiprocessing.active_children()),
                     method=method)
    assert [row for part in rows for row in part] == \
        [tuple(r[k] for k in ROW_COLUMNS) for r in ref.rows]
    # called once, with the helper already started
    assert len(calls) == 1 and [c.name for c in calls[0]] == ["sdssim-sweep-0"]
    run_local(sc, points, tasks[:2], 1, True, lambda runs: None,
              meanwhile=lambda: calls.append("again"))
    assert len(calls) == 1           # one worker: no helper, nothing to overlap with


def test_helpers_are_forked_only_from_a_process_without_other_threads():
    code = "from sdssim.sweep.local import start_method; print(start_method())"
    alone = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert alone == ("fork" if sys.platform.startswith("linux") else "spawn")
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert start_method() == "spawn"
    finally:
        release.set()
