"""Benchmark: one model, three implementations (sdssim, SimPy, bare heapq), side by side.

    python benchmarks/run.py [--quick] [--json PATH] [--jobs N] [--days D] [--seed S]

Each implementation runs in its own subprocess (so that its peak RSS is its
own): ``--repeat`` timed runs (the fastest is reported), then one run under
``tracemalloc`` for the memory it holds per job once the run is over.  A
fourth row, ``sdssim-stepped``, is sdssim with its lazy steady state off
(``SimConfig(lazy_steady_state=False)``), to show what the laziness buys.

Before reporting anything, the outcomes are compared job by job (cycles
begun, quarantines entered, disablement): on any disagreement the benchmark
prints it and exits 1.  See ``benchmarks/README.md`` and
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``benchmarks.models`` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.models import IMPLEMENTATIONS, Outcome, make_plan  # noqa: E402

#: (jobs, days, timed repeats) of the quick and the full run
QUICK = (100, 30, 1)
FULL = (2000, 30, 3)
#: the issue's three, in table order; ``sdssim-stepped`` is shown for reference
MAIN = ("sdssim", "simpy", "heapq")
#: implementations whose memory is measured under tracemalloc (the slow stepped engine is not)
MEASURE_MEMORY = ("sdssim", "simpy", "heapq")
#: the reference row is timed once (it is slow and not one of the targets)
SINGLE_RUN = ("sdssim-stepped",)


def _rss_bytes() -> int:
    """Peak resident set size of this process so far (``ru_maxrss`` is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def worker(name: str, jobs: int, days: int, seed: int, repeat: int, memory: bool,
           out_path: str) -> None:
    """Measure one implementation (in a subprocess) and write its figures as JSON."""
    run = IMPLEMENTATIONS[name]
    plan = make_plan(jobs, days, seed)
    gc.collect()
    rss_before = _rss_bytes()
    best = None
    for _ in range(repeat):
        result = run(plan)
        if best is None or result.seconds < best.seconds:
            best = result
        result = None
        gc.collect()
    assert best is not None
    rss_peak = _rss_bytes()
    outcome, events, seconds, cycles = best.outcome, best.events, best.seconds, best.cycles
    best = None
    gc.collect()
    bytes_per_job = None
    if memory:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        held = run(plan)  # keep the live simulation: its memory is what a job costs
        gc.collect()
        current = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        bytes_per_job = (current - base) / jobs
        if held.outcome.digest() != outcome.digest():
            raise SystemExit(f"{name}: the memory run disagrees with the timed run")
        del held
    figures = {
        "name": name, "jobs": jobs, "days": days, "seed": seed, "seconds": seconds,
        "events": events, "cycles": cycles, "events_per_s": events / seconds,
        "cycles_per_s": cycles / seconds, "rss_peak": rss_peak, "rss_before": rss_before,
        "bytes_per_job": bytes_per_job, "outcome": outcome.to_json(),
    }
    Path(out_path).write_text(json.dumps(figures), encoding="utf-8")


def measure(name: str, jobs: int, days: int, seed: int, repeat: int) -> dict:
    """Run :func:`worker` for ``name`` in a fresh interpreter and read its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "figures.json")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name,
               "--jobs", str(jobs), "--days", str(days), "--seed", str(seed),
               "--repeat", str(1 if name in SINGLE_RUN else repeat), "--out", out]
        if name in MEASURE_MEMORY:
            cmd.append("--memory")
        subprocess.run(cmd, check=True)
        return json.loads(Path(out).read_text(encoding="utf-8"))


def check_agreement(figures: dict[str, dict]) -> list[str]:
    """Every implementation's outcome against the first one's; the disagreements found."""
    names = list(figures)
    ref = Outcome.from_json(figures[names[0]]["outcome"])
    problems = []
    for name in names[1:]:
        diff = ref.first_difference(Outcome.from_json(figures[name]["outcome"]))
        if diff is not None:
            problems.append(f"{names[0]} and {name} disagree: {diff}")
    return problems


def summary(figures: dict[str, dict], jobs: int, days: int, seed: int) -> dict:
    """The figures ``--json`` writes (and the table shows)."""
    s, p, h = figures["sdssim"], figures["simpy"], figures["heapq"]
    totals = Outcome.from_json(s["outcome"]).totals()
    out: dict = {
        "jobs": jobs, "days": days, "seed": seed, **totals,
        "load_average_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "sdssim_events_per_s": s["events_per_s"],
        "simpy_events_per_s": p["events_per_s"],
        "heapq_events_per_s": h["events_per_s"],
        "sdssim_bytes_per_job": s["bytes_per_job"],
        "sdssim_over_simpy": s["cycles_per_s"] / p["cycles_per_s"],
        "sdssim_over_heapq": s["cycles_per_s"] / h["cycles_per_s"],
        "ratio_basis": "simulated cycles per second",
    }
    for name, f in figures.items():
        key = name.replace("-", "_")
        out[f"{key}_cycles_per_s"] = f["cycles_per_s"]
        out[f"{key}_events_per_s"] = f["events_per_s"]
        out[f"{key}_seconds"] = f["seconds"]
        out[f"{key}_events"] = f["events"]
        out[f"{key}_peak_rss_bytes"] = f["rss_peak"]
        out[f"{key}_bytes_per_job"] = f["bytes_per_job"]
    if "sdssim-stepped" in figures:
        out["sdssim_stepped_over_simpy"] = (figures["sdssim-stepped"]["cycles_per_s"]
                                            / p["cycles_per_s"])
    out["targets"] = {
        "sdssim >= 2x simpy (cycles/s)": out["sdssim_over_simpy"] >= 2.0,
        "sdssim >= 0.5x heapq (cycles/s)": out["sdssim_over_heapq"] >= 0.5,
    }
    return out


def _si(x: float) -> str:
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= div:
            return f"{x / div:.2f}{unit}"
    return f"{x:.0f}"


def _mib(x: float) -> str:
    return f"{x / 2**20:.0f} MiB"


def table(figures: dict[str, dict], summ: dict) -> str:
    """The human-readable report."""
    lines = [
        f"{summ['jobs']:,} jobs x {summ['days']} virtual days, seed {summ['seed']}: "
        f"{summ['cycles']:,} cycles, {summ['quarantines']:,} quarantines, "
        f"{summ['disablements']:,} disablements (all implementations agree)",
        f"Python {summ['python']}, {summ['cpus']} CPUs, load average {summ['load_average_1m']}",
        "",
        f"{'implementation':<16}{'wall s':>9}{'heap events':>13}{'events/s':>11}"
        f"{'cycles/s':>11}{'peak RSS':>11}{'B/job':>9}",
    ]
    for name, f in figures.items():
        per_job = f"{f['bytes_per_job']:,.0f}" if f["bytes_per_job"] is not None else "-"
        lines.append(
            f"{name:<16}{f['seconds']:>9.2f}{f['events']:>13,}{_si(f['events_per_s']):>11}"
            f"{_si(f['cycles_per_s']):>11}{_mib(f['rss_peak']):>11}{per_job:>9}")
    lines += [
        "",
        "Ratios on simulated cycles/s (sdssim's lazy jobs take far fewer heap events per cycle,",
        "so heap events/s do not compare like for like):",
        f"  sdssim / SimPy  = {summ['sdssim_over_simpy']:.2f}   (target >= 2)"
        f"   {'met' if summ['targets']['sdssim >= 2x simpy (cycles/s)'] else 'NOT met'}",
        f"  sdssim / heapq  = {summ['sdssim_over_heapq']:.2f}   (target >= 0.5)"
        f"   {'met' if summ['targets']['sdssim >= 0.5x heapq (cycles/s)'] else 'NOT met'}",
    ]
    if "sdssim_stepped_over_simpy" in summ:
        lines.append(f"  sdssim-stepped / SimPy = {summ['sdssim_stepped_over_simpy']:.2f}"
                     "   (lazy steady state off; for reference)")
    lines.append("B/job: tracemalloc, memory held after the run divided by the number of jobs.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"small run ({QUICK[0]} jobs x {QUICK[1]} days, one repeat)")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    ap.add_argument("--jobs", type=int, help="number of jobs (overrides the preset)")
    ap.add_argument("--days", type=int, help="virtual days (overrides the preset)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, help="timed runs per implementation (best is kept)")
    ap.add_argument("--no-stepped", action="store_true",
                    help="leave out the sdssim-stepped reference row")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    jobs, days, repeat = QUICK if args.quick else FULL
    jobs = args.jobs or jobs
    days = args.days or days
    repeat = args.repeat or repeat
    if args.worker:
        worker(args.worker, jobs, days, args.seed, repeat, args.memory, args.out)
        return 0

    names = list(MAIN) + ([] if args.no_stepped else ["sdssim-stepped"])
    figures: dict[str, dict] = {}
    started = time.perf_counter()
    for name in names:
        print(f"running {name} ({jobs:,} jobs x {days} days) ...", file=sys.stderr, flush=True)
        figures[name] = measure(name, jobs, days, args.seed, repeat)
    problems = check_agreement(figures)
    if problems:
        for p in problems:
            print(f"DISAGREEMENT: {p}", file=sys.stderr)
        return 1
    summ = summary(figures, jobs, days, args.seed)
    summ["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    print(table(figures, summ))
    if args.json:
        Path(args.json).write_text(json.dumps(summ, indent=2, sort_keys=True) + "\n",
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
