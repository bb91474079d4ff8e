"""Scaling curve: sdssim on the benchmark model at 1k, 10k and 100k jobs x 30 virtual days.

    python benchmarks/scaling.py [--sizes 1000,10000,100000] [--days 30] [--timeout S]
                                 [--plot docs/performance-scaling.png] [--json PATH]

Each size runs in its own subprocess: one timed run (wall time, heap events,
peak RSS), then, in a second subprocess, one run under ``tracemalloc`` (memory
held per job once the run is over).  Time and memory must grow linearly: the
per-job figures of the largest size may be at most ``--factor`` times those
of the smallest.  Prints a table, plots both curves, exits 1 when growth is
not linear or a size did not finish within ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``benchmarks.models`` importable
    sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = (1_000, 10_000, 100_000)


def worker(jobs: int, days: int, seed: int, memory: bool, out_path: str) -> None:
    """One size, in a subprocess: timed run, or (``memory``) the tracemalloc run."""
    import gc
    import resource
    import tracemalloc

    from benchmarks.models import make_plan, run_sdssim

    plan = make_plan(jobs, days, seed)
    gc.collect()
    figures: dict = {"jobs": jobs, "days": days, "seed": seed}
    if memory:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        held = run_sdssim(plan)
        gc.collect()
        figures["bytes_per_job"] = (tracemalloc.get_traced_memory()[0] - base) / jobs
        figures["traced_peak_bytes"] = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        del held
    else:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        result = run_sdssim(plan)
        figures.update(result.outcome.totals())
        figures.update(
            seconds=result.seconds, events=result.events,
            rss_peak=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            rss_before=rss_before)
    Path(out_path).write_text(json.dumps(figures), encoding="utf-8")


def _sub(jobs: int, days: int, seed: int, memory: bool, timeout: float) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "figures.json")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(jobs),
               "--days", str(days), "--seed", str(seed), "--out", out]
        if memory:
            cmd.append("--memory")
        try:
            subprocess.run(cmd, check=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return json.loads(Path(out).read_text(encoding="utf-8"))


def measure(jobs: int, days: int, seed: int, timeout: float, memory: bool) -> dict:
    timed = _sub(jobs, days, seed, False, timeout)
    if timed is None:
        return {"jobs": jobs, "days": days, "finished": False, "timeout": timeout}
    timed["finished"] = True
    timed["rss_growth_per_job"] = (timed["rss_peak"] - timed["rss_before"]) / jobs
    if memory:
        mem = _sub(jobs, days, seed, True, timeout * 3)
        timed["bytes_per_job"] = mem["bytes_per_job"] if mem is not None else None
    return timed


def linearity(rows: list[dict], factor: float) -> dict:
    """Per-job time and memory of the largest finished size over the smallest."""
    done = [r for r in rows if r["finished"]]
    out: dict = {"factor_allowed": factor, "all_finished": len(done) == len(rows)}
    if len(done) >= 2:
        small, large = done[0], done[-1]
        out["time_per_job_ratio"] = ((large["seconds"] / large["jobs"])
                                     / (small["seconds"] / small["jobs"]))
        if small.get("bytes_per_job") and large.get("bytes_per_job"):
            out["memory_per_job_ratio"] = large["bytes_per_job"] / small["bytes_per_job"]
        out["linear"] = out["all_finished"] and out["time_per_job_ratio"] <= factor and (
            out.get("memory_per_job_ratio", 1.0) <= factor)
    else:
        out["linear"] = False
    return out


def plot(rows: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [r for r in rows if r["finished"]]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    xs = [r["jobs"] for r in done]
    if done:
        ax1.loglog(xs, [r["seconds"] for r in done], "o-", label="sdssim")
        k = done[0]["seconds"] / done[0]["jobs"]
        ax1.loglog(xs, [k * x for x in xs], "--", color="grey", label="linear from the first")
        mem = [r for r in done if r.get("bytes_per_job")]
        if mem:
            ax2.semilogx([r["jobs"] for r in mem], [r["bytes_per_job"] / 1024 for r in mem],
                         "o-", label="tracemalloc, held after the run")
        ax2.semilogx(xs, [r["rss_growth_per_job"] / 1024 for r in done], "s:",
                     label="peak RSS growth")
        ax2.axhline(2.0, color="red", linestyle="--", label="target 2 KiB")
    missed = [r for r in rows if not r["finished"]]
    if missed:
        ax1.text(0.03, 0.97, "\n".join(f"{r['jobs']:,} jobs: did not finish within "
                                         f"{r['timeout']:.0f} s" for r in missed),
                 transform=ax1.transAxes, va="top", fontsize=8, color="red")
    days = rows[0]["days"] if rows else 0
    ax1.set(title=f"wall time, {days} virtual days", xlabel="jobs", ylabel="seconds")
    ax2.set(title="memory per job", xlabel="jobs", ylabel="KiB per job")
    ax2.set_ylim(bottom=0)
    for ax in (ax1, ax2):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(rows: list[dict], lin: dict) -> str:
    lines = [f"{'jobs':>9}{'wall s':>9}{'us/job/day':>12}{'heap events':>13}{'cycles':>14}"
             f"{'peak RSS':>11}{'B/job':>9}{'RSS B/job':>11}"]
    for r in rows:
        if not r["finished"]:
            lines.append(f"{r['jobs']:>9,}  did not finish within {r['timeout']:.0f} s")
            continue
        per = r["seconds"] / r["jobs"] / r["days"] * 1e6
        bpj = f"{r['bytes_per_job']:,.0f}" if r.get("bytes_per_job") else "-"
        lines.append(f"{r['jobs']:>9,}{r['seconds']:>9.2f}{per:>12.1f}{r['events']:>13,}"
                     f"{r['cycles']:>14,}{r['rss_peak'] / 2**20:>8.0f} MiB{bpj:>9}"
                     f"{r['rss_growth_per_job']:>11,.0f}")
    if "time_per_job_ratio" in lin:
        text = f"time per job, largest / smallest: {lin['time_per_job_ratio']:.2f}"
        if "memory_per_job_ratio" in lin:
            text += f"; memory per job: {lin['memory_per_job_ratio']:.2f}"
        lines.append(text + f" (linear if <= {lin['factor_allowed']})")
    lines.append("growth is " + ("linear" if lin["linear"] else "NOT linear"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                    help="comma-separated numbers of jobs")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900.0,
                    help="seconds allowed to one size's timed run")
    ap.add_argument("--factor", type=float, default=1.5,
                    help="largest/smallest per-job ratio still called linear")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    ap.add_argument("--plot", default=str(ROOT / "docs" / "performance-scaling.png"))
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.days, args.seed, args.memory, args.out)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    started = time.perf_counter()
    for n in sizes:
        print(f"running {n:,} jobs x {args.days} days ...", file=sys.stderr, flush=True)
        rows.append(measure(n, args.days, args.seed, args.timeout, not args.no_memory))
    lin = linearity(rows, args.factor)
    print(f"sdssim scaling, {args.days} virtual days, seed {args.seed}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(table(rows, lin))
    if args.plot:
        plot(rows, args.plot)
        print(f"plot: {args.plot}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"rows": rows, "linearity": lin,
             "benchmark_seconds": round(time.perf_counter() - started, 1)},
            indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0 if lin["linear"] else 1


if __name__ == "__main__":
    sys.exit(main())
