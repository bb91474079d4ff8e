"""Sweeps on Dask LocalClusters: the same tables on one worker or two, files and summary."""

import json
from pathlib import Path

import pytest
from dask.distributed import LocalCluster

from sdssim.scenario import load
from sdssim.sweep import run_one, run_sweep

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DISABLED = SCENARIOS / "12-quarantine-escalates-to-disabled.yaml"
SEEDS = "0:20"
GRID = ["quarantine_disable_after=P28D,P60D"]
FILES = ("outcomes.csv", "outcomes.parquet", "summary.csv", "summary.json", "summary.png")


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    out = tmp_path_factory.mktemp("one")
    return run_sweep(DISABLED, SEEDS, workers=1, processes=False, grid=GRID, out_dir=out,
                     progress=False), out


def test_two_worker_processes_give_the_one_worker_tables(one_worker, tmp_path):
    ref, ref_dir = one_worker
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


def test_rows_are_the_direct_runs_in_grid_then_seed_order(one_worker):
    res, _ = one_worker
    assert [(r["point"], r["seed"]) for r in res.rows] == \
        [(p, s) for p in (0, 1) for s in range(20)]
    sc = load(DISABLED)
    for r in res.rows[:3] + res.rows[20:23]:
        direct = run_one(sc, r["seed"], {"quarantine_disable_after": r["quarantine_disable_after"]})
        assert {k: r[k] for k in direct} == direct


def test_summary_contents(one_worker):
    res, out = one_worker
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


def test_parquet_holds_the_rows(one_worker):
    import pyarrow.parquet as pq

    res, out = one_worker
    table = pq.read_table(out / "outcomes.parquet")
    assert table.column_names == res.columns
    assert table.to_pylist() == res.rows


def test_an_existing_cluster_by_scheduler_address(one_worker, tmp_path):
    ref, _ = one_worker
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        res = run_sweep(DISABLED, SEEDS, scheduler=cluster.scheduler_address, grid=GRID,
                        out_dir=None, progress=False)
    assert res.rows == ref.rows and res.files == {} and res.workers == 2


def test_bad_arguments_fail_before_any_cluster():
    with pytest.raises(ValueError, match="seeds"):
        run_sweep(DISABLED, "x", out_dir=None)
    with pytest.raises(ValueError, match="unknown SimConfig"):
        run_sweep(DISABLED, "0:2", grid=["bogus=1"], out_dir=None)
    with pytest.raises(ValueError, match="workers"):
        run_sweep(DISABLED, "0:2", workers=0, out_dir=None)
