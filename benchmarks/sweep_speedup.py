"""A sweep on 2 local workers against the same sweep run serially (``workers=1``).

    python benchmarks/sweep_speedup.py                      # 400 seeds, 3 runs of each
    python benchmarks/sweep_speedup.py --seeds 400 --runs 5 --json out.json

Each run is a fresh interpreter doing what ``sdssim sweep SCENARIO --seeds 0:N
--workers W`` does: ``run_sweep(..., workers=W, out_dir=DIR)``, files and plot
included.  Serial is ``workers=1``; "2 workers" is ``workers=2`` (on this code: this
process and one helper process; on older code, whatever ``run_sweep`` did then).
The modes take turns (serial, 2 workers, serial, 2 workers, ...) so that machine
noise falls on both alike; the report gives, per mode, the median and the spread
(min–max over runs) of:

* **sweep s**: wall time of the ``run_sweep`` call (worker start-up, every run,
  summary, files);
* **runs s**: wall time from the call until the last run's row arrived (the progress
  callback's last call): the sweep without its summary and files;
* **CPU s**: user + system CPU of the whole process and every process it waited for
  (its workers), interpreter start-up included;
* **process s**: wall time of the whole process, interpreter start-up included.

The speed-up is the serial median divided by the 2-worker median (> 1 is faster).
On a shared machine other work takes CPU too: the 1-minute load average is printed
before every run (2 workers can only be 2x faster when 2 CPUs are free).  Every run
must write the same ``outcomes.csv``, ``summary.csv`` and ``summary.json``, byte for
byte, or the script exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "12-quarantine-escalates-to-disabled.yaml"
COMPARED = ("outcomes.csv", "summary.csv", "summary.json")

# What each run does, in its own interpreter: argv = scenario, seeds, workers, out dir.
CHILD = r"""
import json, sys, time
import sdssim
from sdssim.sweep import run_sweep

scenario, seeds, workers, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
last = [0.0]
def progress(done, total):
    last[0] = time.perf_counter()
if __name__ == "__main__":
    t0 = time.perf_counter()
    result = run_sweep(scenario, seeds, workers=workers, out_dir=out, progress=progress)
    t1 = time.perf_counter()
    print(json.dumps({"sweep_s": t1 - t0, "runs_s": last[0] - t0, "workers": result.workers,
                      "rows": len(result.rows), "sdssim": sdssim.__file__}))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(scenario: Path, seeds: str, workers: int, out: Path) -> dict:
    load = os.getloadavg()[0]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    # run in the output's parent: `python -c` puts its working directory first on sys.path,
    # so sdssim is the installed one (or PYTHONPATH's, to measure another version)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(scenario.resolve()), seeds,
                           str(workers), str(out)], capture_output=True, text=True,
                          cwd=out.parent)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"the {workers}-worker run failed:\n{proc.stderr}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data.update(process_s=wall, cpu_s=cpu, load=load)
    return data


def _stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=400, help="seeds 0 to N-1 (400)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each mode (3)")
    parser.add_argument("--workers", type=int, default=2, help="the parallel mode (2)")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    seeds = f"0:{args.seeds}"
    modes = {"serial": 1, f"{args.workers} workers": args.workers}
    print(f"sweep speed-up: {args.scenario.name}, {args.seeds} seeds, {args.runs} runs of "
          f"each mode, taking turns; {os.cpu_count()} CPUs; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    reference: dict[str, bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="sdssim-sweep-bench-") as tmp:
        for k in range(args.runs):
            for mode, workers in modes.items():
                out = Path(tmp) / f"{k}-{workers}"
                r = run_once(args.scenario, seeds, workers, out)
                runs[mode].append(r)
                if k == 0 and workers == 1:
                    print(f"  sdssim from {Path(r['sdssim']).parent}")
                print(f"  run {k + 1} {mode:>10}: sweep {r['sweep_s']:6.2f} s, runs "
                      f"{r['runs_s']:6.2f} s, CPU {r['cpu_s']:6.2f} s, process "
                      f"{r['process_s']:6.2f} s  (load {r['load']:.2f} before)", flush=True)
                files = {name: (out / name).read_bytes() for name in COMPARED}
                if reference is None:
                    reference = files
                for name in COMPARED:
                    if files[name] != reference[name]:
                        print(f"error: {name} differs between runs ({mode}, run {k + 1})",
                              file=sys.stderr)
                        return 1
    figures: dict[str, dict] = {}
    print()
    print("| mode | sweep s | runs s | CPU s | process s |")
    print("|---|---:|---:|---:|---:|")
    for mode, rs in runs.items():
        figures[mode] = {key: _stats([r[key] for r in rs])
                         for key in ("sweep_s", "runs_s", "cpu_s", "process_s")}
        cells = [f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})"
                 for s in figures[mode].values()]
        print(f"| {mode} | {' | '.join(cells)} |")
    serial, parallel = figures["serial"], figures[f"{args.workers} workers"]
    speedup = serial["sweep_s"]["median"] / parallel["sweep_s"]["median"]
    runs_speedup = serial["runs_s"]["median"] / parallel["runs_s"]["median"]
    cpu_ratio = parallel["cpu_s"]["median"] / serial["cpu_s"]["median"]
    loads = [r["load"] for rs in runs.values() for r in rs]
    print()
    print(f"speed-up on {args.workers} workers: {speedup:.2f}x (sweep), {runs_speedup:.2f}x "
          f"(runs only); CPU {cpu_ratio:.2f}x serial's; load average before the runs "
          f"{min(loads):.2f}–{max(loads):.2f}, now {os.getloadavg()[0]:.2f}")
    if args.json:
        key = f"sweep_speedup_{args.workers}_workers"
        data = {
            key: round(speedup, 3),
            f"{key}_runs_only": round(runs_speedup, 3),
            f"sweep_cpu_ratio_{args.workers}_workers": round(cpu_ratio, 3),
            "scenario": args.scenario.name, "seeds": args.seeds, "runs": args.runs,
            "cpus": os.cpu_count(), "load_average_before_runs": loads,
            "modes": figures,
        }
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
