"""Checkpoint and restore figures for 10,000 jobs (not a test: run it by hand).

    python benchmarks/checkpoints.py [--jobs 10000] [--days 15] [--rounds 5] [--json PATH]

Two simulations of ``--jobs`` provisioning jobs run ``--days`` virtual days
(a fifth of the jobs with a credential fault, so quarantines, retries and
error records are in the state; the rest steady, lazy):

* ``records``: the default, every record kept (what ``sdssim run`` checkpoints);
* ``state``: ``keep_records=False``, the state alone.

Each round times ``checkpoint()`` and ``Simulation.restore()`` once per
configuration, alternating (A B A B ...), and prints the median and the
spread (min-max) over the rounds, with the bytes per job.  It also times
what ``serve --state`` pays per changing request: ``StateStore.save_current``
of a served simulation with 10 jobs, into a SQLite file with a write-ahead log.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sdssim import Simulation  # noqa: E402


def build(jobs: int, days: int, keep_records: bool) -> Simulation:
    sim = Simulation(seed=1, keep_records=keep_records)
    for i in range(jobs):
        job = sim.create_job(f"sp-{i % 50}", {"templateId": "scim"},
                             objects={"User": 200 + i % 2800})
        sim.start_job(f"sp-{i % 50}", job.id)
        if i % 5 == 0:
            sim.add_fault("credential_failure", at=f"2026-09-0{1 + i % 7}T12:00:00Z",
                          duration=f"P{1 + i % 9}D", target=f"job/{job.id}")
    sim.advance(f"P{days}D")
    return sim


def _timed(fn):
    """(wall seconds, value); the CPU seconds of the last call are in ``_timed.cpu``."""
    t, c = time.perf_counter(), time.process_time()
    value = fn()
    _timed.cpu = time.process_time() - c  # type: ignore[attr-defined]
    return time.perf_counter() - t, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    sims = {name: build(args.jobs, args.days, keep) for name, keep in
            (("records", True), ("state", False))}
    times: dict[str, dict[str, list[float]]] = {
        n: {"checkpoint": [], "restore": [], "checkpoint_cpu": [], "restore_cpu": []}
        for n in sims}
    sizes: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, sim in sims.items():  # A B A B: both configurations every round
            t, data = _timed(sim.checkpoint)
            times[name]["checkpoint"].append(t)
            times[name]["checkpoint_cpu"].append(_timed.cpu)  # type: ignore[attr-defined]
            sizes[name] = len(data)
            t, copy = _timed(lambda d=data: Simulation.restore(d))
            times[name]["restore"].append(t)
            times[name]["restore_cpu"].append(_timed.cpu)  # type: ignore[attr-defined]
            assert copy.now == sim.now
    figures: dict = {"jobs": args.jobs, "days": args.days, "rounds": args.rounds}
    print(f"{args.jobs:,} jobs after {args.days} virtual days, {args.rounds} rounds "
          "(median, min-max):")
    for name in sims:
        row = {"bytes": sizes[name], "bytes_per_job": sizes[name] / args.jobs,
               "records": len(sims[name].events) + len(sims[name].snapshots)
               + len(sims[name].errors)}
        for what, values in times[name].items():
            row[f"{what}_s_median"] = statistics.median(values)
            row[f"{what}_s_min"] = min(values)
            row[f"{what}_s_max"] = max(values)
        figures[name] = row
        print(f"  {name:8} checkpoint {row['checkpoint_s_median']:.2f} s "
              f"({row['checkpoint_s_min']:.2f}-{row['checkpoint_s_max']:.2f}), "
              f"restore {row['restore_s_median']:.2f} s "
              f"({row['restore_s_min']:.2f}-{row['restore_s_max']:.2f}); CPU "
              f"{row['checkpoint_cpu_s_median']:.2f} s / {row['restore_cpu_s_median']:.2f} s, "
              f"{sizes[name] / 1e6:.1f} MB = {row['bytes_per_job']:,.0f} bytes/job "
              f"({row['records']:,} records kept)")

    from sdssim.server.persist import StateStore

    served = build(10, 2, True)
    with tempfile.TemporaryDirectory() as folder:
        store = StateStore(os.path.join(folder, "state.db"))
        saves = [_timed(lambda: store.save_current(served))[0] for _ in range(50)]
        store.close()
    figures["serve_state_save_ms_median"] = statistics.median(saves) * 1000
    figures["serve_state_save_ms_min"] = min(saves) * 1000
    figures["serve_state_save_ms_max"] = max(saves) * 1000
    print(f"  serve --state: one save per changing request, 10 jobs after 2 days: "
          f"{figures['serve_state_save_ms_median']:.1f} ms median "
          f"({figures['serve_state_save_ms_min']:.1f}-{figures['serve_state_save_ms_max']:.1f})")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
