"""Benchmark: sdssim in every mode users run, against SimPy and bare heap loops, like for like.

    python benchmarks/run.py [--quick] [--json PATH] [--runs N] [--jobs N] [--days D]
                             [--update-docs] [--from-json PATH]

Two workloads over one model (``benchmarks/models/plan.py``):

* **reference**: N jobs x D days, 40-minute cycles, the plan's credential
  faults, escrow failures and Watermark restarts (default 10,000 x 7);
* **worst case**: the same jobs hit by a fault about every 4 hours each
  (throttling, a few entry failures, credential faults), known in advance.

Every implementation runs in a fresh interpreter per run; runs are
interleaved (round 1 runs every implementation once in one order, round 2 in
the reverse order, and so on: A B ... B A ...), ``--runs`` rounds (default 5),
and each figure is the median with its min-max.  Times are the worker
process's CPU time for the whole run (building the simulation, running it,
reading every job's counts); wall time is reported too.  Ratios divide
sdssim's median by SimPy's median *in the same workload*.

Before anything is reported, every implementation's outcome is compared job
by job with SimPy's (cycles begun, quarantines entered, disablement); any
difference prints it and exits 1.  Memory: one more run of each sdssim mode
under ``tracemalloc`` (bytes held once the run is over, per job).

``--update-docs`` rewrites the measured block of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``benchmarks.models`` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.models import IMPLEMENTATIONS, Outcome, make_plan, make_storm_plan  # noqa: E402

#: (jobs, days) of the reference model and of the quick run
FULL = (10_000, 7)
QUICK = (1_000, 7)
PLANS = {"reference": make_plan, "worst": make_storm_plan}
#: workload -> the implementations run on it, in round-1 order
ROWS = {
    "reference": ("simpy", "heapq", "heapq-lazy", "sdssim-lazy-records-on",
                  "sdssim-lazy-records-off", "sdssim-stepped-records-on",
                  "sdssim-stepped-records-off"),
    "worst": ("simpy", "heapq", "heapq-lazy", "sdssim-lazy-records-on",
              "sdssim-lazy-records-off"),
}
#: JSON key -> (workload, implementation) of each ``<mode>_time_vs_simpy`` ratio
RATIOS = {
    "defaults_time_vs_simpy": ("reference", "sdssim-lazy-records-on"),
    "lazy_records_on_time_vs_simpy": ("reference", "sdssim-lazy-records-on"),
    "lazy_records_off_time_vs_simpy": ("reference", "sdssim-lazy-records-off"),
    "stepped_records_on_time_vs_simpy": ("reference", "sdssim-stepped-records-on"),
    "stepped_records_off_time_vs_simpy": ("reference", "sdssim-stepped-records-off"),
    "worst_case_records_on_time_vs_simpy": ("worst", "sdssim-lazy-records-on"),
    "worst_case_records_off_time_vs_simpy": ("worst", "sdssim-lazy-records-off"),
    "heapq_time_vs_simpy": ("reference", "heapq"),
    "heapq_lazy_time_vs_simpy": ("reference", "heapq-lazy"),
}
#: the issue's targets: key -> the most it may be
TARGETS = {
    "defaults_time_vs_simpy": 0.2,
    "stepped_records_off_time_vs_simpy": 1.0,
    "worst_case_records_off_time_vs_simpy": 1.0,
    "worst_case_records_on_time_vs_simpy": 2.0,
    "bytes_per_job_records_on": 4096,
}
MEMORY = ("sdssim-lazy-records-on", "sdssim-lazy-records-off", "simpy", "heapq")
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- benchmark:begin -->", "<!-- benchmark:end -->"


def worker(workload: str, name: str, jobs: int, days: int, seed: int, memory: bool,
           out_path: str) -> None:
    """One run of one implementation (in its own interpreter); its figures as JSON."""
    plan = PLANS[workload](jobs, days, seed)
    run = IMPLEMENTATIONS[name]
    gc.collect()
    if memory:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        held = run(plan)  # keep the live simulation: its memory is what a job costs
        gc.collect()
        current = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        figures = {"bytes_per_job": (current - base) / jobs, "outcome": held.outcome.to_json()}
    else:
        cpu, wall = time.process_time(), time.perf_counter()
        result = run(plan)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        figures = {"cpu": cpu, "wall": wall, "events": result.events,
                   "cycles": result.cycles, "outcome": result.outcome.to_json()}
    Path(out_path).write_text(json.dumps(figures), encoding="utf-8")


def measure(workload: str, name: str, jobs: int, days: int, seed: int,
            memory: bool = False) -> dict:
    """:func:`worker` in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "figures.json")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", workload, name,
               "--jobs", str(jobs), "--days", str(days), "--seed", str(seed), "--out", out]
        if memory:
            cmd.append("--memory")
        subprocess.run(cmd, check=True)
        return json.loads(Path(out).read_text(encoding="utf-8"))


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def run_all(jobs: int, days: int, seed: int, runs: int, log=print) -> dict:
    """Every row, interleaved, ``runs`` rounds; then memory; outcomes checked."""
    order = [(w, name) for w, names in ROWS.items() for name in names]
    samples: dict[tuple[str, str], list[dict]] = {key: [] for key in order}
    for r in range(runs):
        round_order = order if r % 2 == 0 else order[::-1]
        for workload, name in round_order:
            log(f"round {r + 1}/{runs}: {workload} {name}")
            samples[(workload, name)].append(measure(workload, name, jobs, days, seed))
    memory = {}
    for name in MEMORY:
        log(f"memory: reference {name}")
        memory[name] = measure("reference", name, jobs, days, seed, memory=True)
    problems = []
    for (workload, name), got in samples.items():
        ref = Outcome.from_json(samples[(workload, "simpy")][0]["outcome"])
        for fig in got + ([memory[name]] if workload == "reference" and name in memory else []):
            diff = ref.first_difference(Outcome.from_json(fig["outcome"]))
            if diff is not None:
                problems.append(f"{workload}: simpy and {name} disagree: {diff}")
                break
    rows = {}
    for (workload, name), got in samples.items():
        rows.setdefault(workload, {})[name] = {
            "cpu": spread([g["cpu"] for g in got]), "wall": spread([g["wall"] for g in got]),
            "events": got[0]["events"], "cycles": got[0]["cycles"],
        }
    totals = {w: Outcome.from_json(samples[(w, "simpy")][0]["outcome"]).totals() for w in ROWS}
    return {"rows": rows, "memory": {k: v["bytes_per_job"] for k, v in memory.items()},
            "totals": totals, "problems": problems}


def summary(res: dict, jobs: int, days: int, seed: int, runs: int) -> dict:
    rows = res["rows"]
    out: dict = {
        "jobs": jobs, "days": days, "seed": seed, "runs": runs,
        "time_basis": "median CPU seconds of the worker process per run",
        "load_average_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        "python": sys.version.split()[0], "totals": res["totals"],
        "bytes_per_job_records_on": res["memory"]["sdssim-lazy-records-on"],
        "bytes_per_job_records_off": res["memory"]["sdssim-lazy-records-off"],
        "bytes_per_job_simpy": res["memory"]["simpy"],
        "bytes_per_job_heapq": res["memory"]["heapq"],
        "rows": rows,
    }
    for key, (workload, name) in RATIOS.items():
        out[key] = rows[workload][name]["cpu"]["median"] / rows[workload]["simpy"]["cpu"]["median"]
        out[key.replace("_time_", "_wall_")] = (rows[workload][name]["wall"]["median"]
                                                / rows[workload]["simpy"]["wall"]["median"])
    out["targets"] = {key: {"limit": limit, "measured": out[key], "met": out[key] <= limit}
                      for key, limit in TARGETS.items()}
    return out


def table(summ: dict) -> str:
    """The report, as Markdown (printed, and written into docs/performance.md)."""
    lines = [
        f"{summ['jobs']:,} jobs x {summ['days']} virtual days, seed {summ['seed']}, "
        f"{summ['runs']} interleaved runs per row; Python {summ['python']}, "
        f"{summ['cpus']} CPUs, load average {summ['load_average_1m']} at the end.",
        "Times: median CPU seconds of the run's process (min-max); the ratio is the median "
        "over SimPy's median in the same workload (< 1 is faster).",
        "",
    ]
    names = {"reference": "Reference model", "worst": "Worst case: a fault every ~4 h on every job"}
    for workload, rows in summ["rows"].items():
        t = summ["totals"][workload]
        lines += [
            f"**{names[workload]}** ({t['cycles']:,} cycles, {t['quarantines']:,} quarantines, "
            f"{t['disablements']:,} disablements; every row agrees job by job)",
            "",
            "| implementation | CPU s (min-max) | wall s | / SimPy | heap events |",
            "|---|---:|---:|---:|---:|",
        ]
        simpy = rows["simpy"]["cpu"]["median"]
        for name, row in rows.items():
            c, w = row["cpu"], row["wall"]
            lines.append(f"| {name} | {c['median']:.2f} ({c['min']:.2f}-{c['max']:.2f}) | "
                         f"{w['median']:.2f} | {c['median'] / simpy:.3f} | {row['events']:,} |")
        lines.append("")
    lines += [
        "Memory held per job once the run is over (tracemalloc, reference model): "
        f"sdssim records on {summ['bytes_per_job_records_on']:,.0f} B, "
        f"records off {summ['bytes_per_job_records_off']:,.0f} B; "
        f"SimPy {summ['bytes_per_job_simpy']:,.0f} B; heapq {summ['bytes_per_job_heapq']:,.0f} B.",
        "",
        "| target | limit | measured | |",
        "|---|---:|---:|---|",
    ]
    for key, t in summ["targets"].items():
        lines.append(f"| `{key}` | {t['limit']:g} | {t['measured']:.3f} | "
                     f"{'met' if t['met'] else '**not met**'} |")
    return "\n".join(lines)


def update_docs(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    new = doc[:start] + "\n" + text + "\n" + doc[end:]
    tmp = DOC.with_suffix(".md.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, DOC)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"{QUICK[0]:,} jobs x {QUICK[1]} days instead of {FULL[0]:,} x {FULL[1]}")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    ap.add_argument("--jobs", type=int, help="number of jobs (overrides the preset)")
    ap.add_argument("--days", type=int, help="virtual days (overrides the preset)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--update-docs", action="store_true",
                    help="rewrite the measured block of docs/performance.md")
    ap.add_argument("--from-json", metavar="PATH",
                    help="report (and with --update-docs, write) figures saved by --json")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    jobs, days = QUICK if args.quick else FULL
    jobs, days = args.jobs or jobs, args.days or days
    if args.worker:
        worker(args.worker[0], args.worker[1], jobs, days, args.seed, args.memory, args.out)
        return 0
    if args.from_json:
        text = table(json.loads(Path(args.from_json).read_text(encoding="utf-8")))
        print(text)
        if args.update_docs:
            update_docs(text)
        return 0
    started = time.perf_counter()
    res = run_all(jobs, days, args.seed, args.runs,
                  log=lambda m: print(m, file=sys.stderr, flush=True))
    if res["problems"]:
        for p in res["problems"]:
            print(f"DISAGREEMENT: {p}", file=sys.stderr)
        return 1
    summ = summary(res, jobs, days, args.seed, args.runs)
    summ["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    text = table(summ)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(summ, indent=2, sort_keys=True) + "\n",
                                   encoding="utf-8")
    if args.update_docs:
        update_docs(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
