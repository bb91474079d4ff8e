"""A sweep on 2 local workers against the same sweep run serially (``workers=1``).

    python benchmarks/sweep_speedup.py                      # 400 seeds, 3 rounds
    python benchmarks/sweep_speedup.py --seeds 400 --runs 5 --json out.json

Each run is a fresh interpreter doing what ``sdssim sweep SCENARIO --seeds 0:N
--workers W`` does: ``run_sweep(..., workers=W, out_dir=DIR)``, files and plot
included.  A round runs three modes, one after the other, so that machine noise
falls on all of them alike:

* **serial**: ``workers=1``;
* **2 workers**: ``workers=2`` (this process and one helper process; on older
  sdssim, whatever ``run_sweep`` did then);
* **2 separate processes**, the reference: two serial sweeps started together, each
  on half the seeds, timed until both are done.  No sweep on 2 workers can beat
  this, so it is the ceiling the machine allows at the time of the round.

Per mode the report gives the median and the spread (min–max over rounds) of:

* **sweep s**: wall time of the ``run_sweep`` call (worker start-up, every run,
  summary, files);
* **runs s**: wall time from the call until the last run's row arrived (the progress
  callback's last call): the sweep without its summary and files;
* **CPU s**: user + system CPU of the whole process and every process it waited for
  (its helpers), interpreter start-up included;
* **process s**: wall time of the whole process, interpreter start-up included;
* **cores**: CPU s / process s, how many CPUs the mode actually got.

The speed-up is serial's median sweep time divided by 2 workers' (> 1 is faster);
the ceiling is the same for the separate processes, and the efficiency the speed-up
divided by the ceiling.  On a shared machine other work takes CPU too: the 1-minute
load average is printed before every run, and with Linux's autogroup scheduling
(``/proc/sys/kernel/sched_autogroup_enabled``) CPU is shared out per session, not per
process, so while other sessions are busy a session's 2 processes get no more CPU
than its 1 (the ceiling shows it).  Every sweep must write the same ``outcomes.csv``,
``summary.csv`` and ``summary.json``, byte for byte, or the script exits 1.
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

# What each run does, in its own interpreter: argv = scenario, seeds, workers, out dir,
# progress ("bar": sdssim's progress bar drawn to /dev/null, as in a terminal, whose
# refresh thread makes helpers spawned rather than forked; "none": a plain callback).
CHILD = r"""
import contextlib, json, os, sys, time
import sdssim
from sdssim.cli.progress import reporter
from sdssim.sweep import run_sweep

scenario, seeds, workers, out, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
last = [0.0]
if __name__ == "__main__":
    with open(os.devnull, "w") as sink, reporter(mode, "sweep", stream=sink) as bar:
        try:
            from sdssim.sweep.local import start_method
            method = start_method() if workers > 1 else "none"
        except ImportError:
            method = "dask"

        def progress(done, total):
            last[0] = time.perf_counter()
            bar(done, total)

        t0 = time.perf_counter()
        result = run_sweep(scenario, seeds, workers=workers, out_dir=out, progress=progress)
        t1 = time.perf_counter()
    print(json.dumps({"sweep_s": t1 - t0, "runs_s": last[0] - t0, "workers": result.workers,
                      "rows": len(result.rows), "sdssim": sdssim.__file__, "helpers": method}))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _start(scenario: Path, seeds: str, workers: int, out: Path, progress: str
           ) -> subprocess.Popen:
    # run in the output's parent: `python -c` puts its working directory first on sys.path,
    # so sdssim is the installed one (or PYTHONPATH's, to measure another version)
    return subprocess.Popen([sys.executable, "-c", CHILD, str(scenario.resolve()), seeds,
                             str(workers), str(out), progress], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=out.parent)


def _result(proc: subprocess.Popen, what: str) -> dict:
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"the {what} run failed:\n{stderr}")
    return json.loads(stdout.strip().splitlines()[-1])


def run_once(scenario: Path, n_seeds: int, workers: int, out: Path, *,
             separate: bool = False, progress: str = "none") -> dict:
    """One run of a mode: one process with ``workers``, or (``separate``) ``workers``
    serial processes on a share of the seeds each, started together."""
    load = os.getloadavg()[0]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    if separate:
        cuts = [n_seeds * k // workers for k in range(workers + 1)]
        procs = [_start(scenario, f"{cuts[k]}:{cuts[k + 1]}", 1, out.parent / f"part-{k}",
                        progress)
                 for k in range(workers)]
        parts = [_result(p, "separate") for p in procs]
        data = {"sweep_s": max(d["sweep_s"] for d in parts),
                "runs_s": max(d["runs_s"] for d in parts), "sdssim": parts[0]["sdssim"],
                "helpers": "none"}
    else:
        data = _result(_start(scenario, f"0:{n_seeds}", workers, out, progress),
                       f"{workers}-worker")
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    data.update(process_s=wall, cpu_s=cpu, cores=cpu / wall, load=load)
    return data


def _stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _autogroup() -> str:
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled", encoding="ascii") as fh:
            return "on" if fh.read().strip() == "1" else "off"
    except OSError:
        return "unknown"


KEYS = ("sweep_s", "runs_s", "cpu_s", "process_s", "cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=400, help="seeds 0 to N-1 (400)")
    parser.add_argument("--runs", type=int, default=3, help="rounds: runs of each mode (3)")
    parser.add_argument("--workers", type=int, default=2, help="the parallel mode (2)")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--bar", action="store_true",
                        help="draw sdssim's progress bar (to /dev/null), as in a terminal: "
                             "its thread makes the helpers spawned, not forked")
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    progress = "bar" if args.bar else "none"
    w = args.workers
    parallel, ceiling = f"{w} workers", f"{w} separate processes"
    modes = {"serial": (1, False), parallel: (w, False), ceiling: (w, True)}
    print(f"sweep speed-up: {args.scenario.name}, {args.seeds} seeds, {args.runs} rounds "
          f"(serial, {parallel}, {ceiling}); {os.cpu_count()} CPUs; autogroup "
          f"{_autogroup()}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    reference: dict[str, bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="sdssim-sweep-bench-") as tmp:
        for k in range(args.runs):
            for mode, (workers, separate) in modes.items():
                out = Path(tmp) / f"{k}-{mode.replace(' ', '-')}"
                out.mkdir()
                r = run_once(args.scenario, args.seeds, workers, out / "sweep",
                             separate=separate, progress=progress)
                runs[mode].append(r)
                if k == 0 and mode == parallel:
                    print(f"  sdssim from {Path(r['sdssim']).parent}; helpers: {r['helpers']}")
                print(f"  round {k + 1} {mode:>{len(ceiling)}}: sweep {r['sweep_s']:6.2f} s, "
                      f"runs {r['runs_s']:6.2f} s, CPU {r['cpu_s']:6.2f} s, process "
                      f"{r['process_s']:6.2f} s, {r['cores']:.2f} cores  (load "
                      f"{r['load']:.2f} before)", flush=True)
                if separate:
                    continue
                files = {name: (out / "sweep" / name).read_bytes() for name in COMPARED}
                reference = reference or files
                for name in COMPARED:
                    if files[name] != reference[name]:
                        print(f"error: {name} differs between runs ({mode}, round {k + 1})",
                              file=sys.stderr)
                        return 1
    figures = {mode: {key: _stats([r[key] for r in rs]) for key in KEYS}
               for mode, rs in runs.items()}
    print()
    print("| mode | sweep s | runs s | CPU s | process s | cores |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode, fig in figures.items():
        cells = [f"{fig[key]['median']:.2f} ({fig[key]['min']:.2f}–{fig[key]['max']:.2f})"
                 for key in KEYS]
        print(f"| {mode} | {' | '.join(cells)} |")

    def ratio(a: str, b: str, key: str = "sweep_s") -> float:
        return figures[a][key]["median"] / figures[b][key]["median"]

    speedup, runs_speedup = ratio("serial", parallel), ratio("serial", parallel, "runs_s")
    top = ratio("serial", ceiling)
    cpu_ratio = ratio(parallel, "serial", "cpu_s")
    per_round = [s["sweep_s"] / p["sweep_s"] for s, p in zip(runs["serial"], runs[parallel],
                                                              strict=True)]
    loads = [r["load"] for rs in runs.values() for r in rs]
    print()
    print(f"speed-up on {parallel}: {speedup:.2f}x (per round {min(per_round):.2f}–"
          f"{max(per_round):.2f}; runs only {runs_speedup:.2f}x); ceiling ({ceiling}) "
          f"{top:.2f}x; efficiency {speedup / top:.0%}; CPU {cpu_ratio:.2f}x serial's; "
          f"load average before the runs {min(loads):.2f}–{max(loads):.2f}, now "
          f"{os.getloadavg()[0]:.2f}")
    if args.json:
        key = f"sweep_speedup_{w}_workers"
        data = {
            key: round(speedup, 3),
            f"{key}_per_round": [round(x, 3) for x in per_round],
            f"{key}_runs_only": round(runs_speedup, 3),
            f"sweep_speedup_{w}_separate_processes": round(top, 3),
            f"sweep_efficiency_{w}_workers": round(speedup / top, 3),
            f"sweep_cpu_ratio_{w}_workers": round(cpu_ratio, 3),
            "scenario": args.scenario.name, "seeds": args.seeds, "rounds": args.runs,
            "cpus": os.cpu_count(), "autogroup": _autogroup(), "progress": progress,
            "helpers": runs[parallel][0]["helpers"],
            "load_average_before_runs": loads, "modes": figures,
        }
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
