"""Sweeps on an existing Dask cluster, reached by its scheduler's tcp:// address on loopback."""

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from dask.distributed import LocalCluster

from sdssim.cli import main
from sdssim.sweep import MissingDask, run_sweep

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DISABLED = SCENARIOS / "12-quarantine-escalates-to-disabled.yaml"
GRID = ["quarantine_disable_after=P28D,P60D"]


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes and a scheduler listening on 127.0.0.1 over TCP, as an
    existing cluster would be (started with `dask scheduler` and `dask worker`)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                      host="127.0.0.1", dashboard_address="127.0.0.1:0") as c:
        yield c


def test_the_scheduler_address_is_tcp_on_loopback(cluster):
    import psutil

    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    me = psutil.Process()
    listening = [c.laddr for p in (me, *me.children(recursive=True))
                 for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening


def test_a_sweep_through_the_scheduler_address_gives_the_serial_rows(cluster, tmp_path):
    ref = run_sweep(DISABLED, "0:12", workers=1, grid=GRID, out_dir=tmp_path / "serial",
                    progress=False)
    seen = []
    res = run_sweep(DISABLED, "0:12", scheduler=cluster.scheduler_address, grid=GRID,
                    out_dir=tmp_path / "dask", chunk=5,
                    progress=lambda done, total: seen.append((done, total)))
    assert res.workers == 2
    assert res.rows == ref.rows and res.summary == ref.summary
    for name in ("outcomes.csv", "summary.csv", "summary.json"):
        assert (tmp_path / "dask" / name).read_bytes() == \
            (tmp_path / "serial" / name).read_bytes(), name
    # tasks of 5, 5 and 2 seeds per grid point, each counted once as it arrives
    assert len(seen) == 6 and seen[-1] == (24, 24)


def test_the_cli_takes_the_scheduler_address(cluster, tmp_path):
    res = CliRunner().invoke(main, [
        "sweep", str(DISABLED), "--seeds", "0:4", "--scheduler", cluster.scheduler_address,
        "--out", str(tmp_path), "--progress", "none"])
    assert res.exit_code == 0, res.output
    assert "4 runs on 2 worker(s)" in res.output
    assert (tmp_path / "outcomes.csv").read_text().count("\n") == 5


def test_without_dask_only_the_scheduler_needs_it(monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "dask" or m.startswith(("dask.", "distributed"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask", None)        # import dask -> ImportError
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDask, match=r"pip install 'sdssim\[sweep\]'"):
        run_sweep(DISABLED, "0:2", scheduler="tcp://127.0.0.1:8786", out_dir=None)
    res = CliRunner().invoke(main, ["sweep", str(DISABLED), "--seeds", "0:2", "--scheduler",
                                    "tcp://127.0.0.1:8786", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "needs dask.distributed" in res.output
    res = run_sweep(DISABLED, "0:2", workers=1, out_dir=None, progress=False)
    assert len(res.rows) == 2
