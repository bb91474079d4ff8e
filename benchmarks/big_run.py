"""A big ``sdssim run``: N jobs x D virtual days, records streamed to JSON Lines.

    python benchmarks/big_run.py [--jobs 100000] [--days 30] [--form groups|listed]
                                 [--json PATH] [--no-memory] [--profile PATH] [--keep DIR]

Generates a scenario in a temporary directory: N jobs ``{templateId: scim}``
with 100 to 999 users each, every job started at the start time, a fault on
every 1,000th job (credential failure for 30 h, entry failures at 60 % for
3 h, or an endpoint that never comes back, in turn, spread over the days) and
one expectation at +D days on a job whose endpoint never came back (disabled
after 28 days: its quarantine state and error count need the run's history).

Two forms of the same load: ``groups`` (the default) declares the jobs in 100
declarations with ``count`` and starts each group with one entry, as a user
writes a load test (a few KB); ``listed`` declares and starts every job on a
line of its own (~11 MB for 100,000 jobs), which measures the loader on a big
file.  The simulation's work is the same (the user counts are spread per group
rather than per job); the outputs differ in job keys.

Then, each in its own subprocess:

* **timed run**: ``sdssim run SCENARIO --out DIR --progress none`` (stdout to a
  file: the timeline is printed), its wall time, CPU time (user + system) and
  peak RSS from ``wait4``;
* **memory run** (unless ``--no-memory``): the same command in-process under
  ``tracemalloc``; when the run is over and its files are written (just before
  the timeline is printed, everything the command holds still alive: scenario,
  simulation, result), the memory still allocated minus the baseline before
  loading, divided by N; also the traced peak, and where the held bytes were
  allocated (engine, scenario, models, other);
* **profile** (``--profile PATH``): the command in-process under cProfile; the
  stats are saved to PATH and the time is split into loading (YAML, schema,
  meaning), simulating, writing records (record to JSON, snapshot rendering,
  encoding and file writes: called from inside the simulation), the rest of the
  run directory, and the printed timeline.

Limits: the listed form is over the loader's limits for a file past ~19,000
jobs (``MAX_DOCUMENT_BYTES`` = 2 MiB, ``MAX_NODES`` = 200,000 values; 100,000
jobs need ~11 MB and ~1.2 million values) and no option raises them, so every
subprocess raises those two in the loader's modules before calling the command
(the grouped form is far below them either way).  The report says what the
command as shipped answers (``sdssim validate``, refused in milliseconds on
the byte count).

``--json PATH`` writes the figures; keys include ``big_run_seconds`` (wall
time of the timed run) and ``big_run_bytes_per_job``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: every FAULT_EVERY-th job gets a fault (kinds in turn); the others are steady
FAULT_EVERY = 1000
START = "2026-09-01T08:00:00Z"
#: the loader limits raised for the benchmark's subprocesses (module, name)
_RAISED = (("sdssim.scenario.limits", "MAX_DOCUMENT_BYTES"), ("sdssim.scenario.limits", "MAX_NODES"),
           ("sdssim.scenario._yaml", "MAX_DOCUMENT_BYTES"), ("sdssim.scenario._yaml", "MAX_NODES"),
           ("sdssim.scenario.loader", "MAX_DOCUMENT_BYTES"))


#: the groups of the grouped form: jobs declared with ``count``, 1 % of the jobs each
GROUPS = 100


def scenario_text(jobs: int, days: int, seed: int = 1, form: str = "groups") -> str:
    """The scenario: ``jobs`` jobs started at the start, faults, one check at +``days``.

    ``form="groups"``: the jobs declared in ``GROUPS`` declarations with ``count`` (100 to
    999 users, a count per group), started by one entry per group.  ``form="listed"``:
    every job declared and started by an entry of its own (100 to 999 users, a count
    per job): ~110 bytes and 12 values a job, over the loader's limits past ~19,000 jobs.
    The faults and the check name the same jobs (by number) in both forms."""
    if form == "groups":
        groups = min(GROUPS, jobs)
        per = -(-jobs // groups)
        sizes = [min(per, jobs - g * per) for g in range(groups) if jobs - g * per > 0]
        key = lambda i: f"g{i // per:02d}-{i % per + 1:0{len(str(sizes[i // per]))}d}"  # noqa: E731
        declared = [f"  - {{key: g{g:02d}, count: {n}, body: {{templateId: scim}}, objects: "
                    f"{{User: {100 + (g * 37) % 900}}}}}" for g, n in enumerate(sizes)]
        started = [f"  - {{at: +0m, action: start_job, job: g{g:02d}}}"
                   for g in range(len(sizes))]
    else:
        width = max(6, len(str(jobs - 1)))
        key = lambda i: f"j{i:0{width}d}"  # noqa: E731
        declared = [f"  - {{key: {key(i)}, body: {{templateId: scim}}, objects: {{User: "
                    f"{100 + (i * 37) % 900}}}}}" for i in range(jobs)]
        started = [f"  - {{at: +0m, action: start_job, job: {key(i)}}}" for i in range(jobs)]
    out = [
        f"# Teaches: nothing; a load test of {jobs:,} jobs over {days} days "
        "(benchmarks/big_run.py).",
        f"name: big run, {jobs} jobs x {days} days",
        f"seed: {seed}",
        f"start: {START}",
        "jobs:",
        *declared,
        "timeline:",
        *started,
    ]
    faulted = list(range(FAULT_EVERY // 2, jobs, FAULT_EVERY))
    kinds = ("credential_failure", "entry_failures", "endpoint_down")
    extra = {"credential_failure": ", duration: 30h",
             "entry_failures": ", params: {rate: 0.6}, duration: 3h", "endpoint_down": ""}
    last = 0
    horizon = max(days * 24 - 1, 0)
    for n, i in enumerate(faulted):
        kind = kinds[n % len(kinds)]
        hour = min(1 + n * 7, horizon)  # spread over the run, in time order
        out.append(f"  - {{at: +{hour - last}h, fault: {kind}, job: {key(i)}{extra[kind]}}}")
        last = hour
    at = (dt.datetime.fromisoformat(START.replace("Z", "+00:00"))
          + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if len(faulted) > 2 and days >= 30:  # the first endpoint_down: disabled after 28 days
        target, checks = key(faulted[2]), ("job_code: Quarantine, schedule_state: Disabled, "
                                           "quarantine_state: disabled, error_count: 31")
    else:
        target, checks = key(0), "job_code: Active, quarantine_state: healthy, error_count: 0"
    out.append(f"  - {{at: {at}, expect: {{job: {target}, {checks}}}}}")
    return "\n".join(out) + "\n"


# -- in the subprocesses ---------------------------------------------------------------------

def _raise_limits() -> None:
    """``MAX_NODES`` out of the way, ``MAX_DOCUMENT_BYTES`` the scenario's size (files are
    read with ``read(MAX_DOCUMENT_BYTES + 1)``: a larger limit costs a larger buffer)."""
    import importlib

    size = int(os.environ["BIG_RUN_BYTES"])
    for module, name in _RAISED:
        value = 10**9 if name == "MAX_NODES" else max(size, 2 * 1024 * 1024)
        setattr(importlib.import_module(module), name, value)


def _call_cli(args: list[str]) -> int:
    from sdssim.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0
    return 0


def worker_run(args: list[str]) -> int:
    """The timed run: the command with the limits raised."""
    _raise_limits()
    return _call_cli(args)


def worker_memory(args: list[str], out_path: str) -> int:
    """The command under tracemalloc; held bytes measured when the run is over."""
    import gc
    import tracemalloc

    _raise_limits()
    import sdssim.cli.run as cli_run

    figures: dict = {}
    report = cli_run._report
    load = cli_run.load_scenario

    def loaded(path: str):  # noqa: ANN202
        scenario = load(path)
        gc.collect()
        figures["after_load_bytes"] = tracemalloc.get_traced_memory()[0] - base
        return scenario

    def measured(console, scenario, scenario_path, result, out_dir, lines, counts):  # noqa: ANN001
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()  # the timeline printed is not measured
        jobs = len(scenario.jobs)
        areas: dict[str, int] = {}
        for stat in snapshot.statistics("filename"):
            name = stat.traceback[0].filename.replace(os.sep, "/")
            area = next((f"sdssim/{part}" for part in ("engine", "scenario/runner.py",
                                                       "scenario", "models", "outputs", "cli")
                         if f"/sdssim/{part}" in name),
                        "cattrs/attrs generated" if name.startswith(("<attrs", "<cattrs")) else
                        "pendulum" if "/pendulum/" in name else "yaml" if "/yaml/" in name
                        else "other")
            areas[area] = areas.get(area, 0) + stat.size
        figures.update(
            jobs=jobs, held_bytes=held - base, traced_peak_bytes=peak - base,
            bytes_per_job=(held - base) / jobs,
            scenario_bytes_per_job=figures["after_load_bytes"] / jobs,
            run_bytes_per_job=(held - base - figures["after_load_bytes"]) / jobs,
            held_by_area_per_job={k: round(v / jobs) for k, v in
                                  sorted(areas.items(), key=lambda kv: -kv[1])})
        return report(console, scenario, scenario_path, result, out_dir, lines, counts)

    cli_run._report = measured
    cli_run.load_scenario = loaded
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    code = _call_cli(args)
    Path(out_path).write_text(json.dumps(figures), encoding="utf-8")
    return code


#: (label, file suffix, function name): cumulative times read from the profile
_PHASES = (
    ("load", "sdssim/scenario/loader.py", "load"),
    ("  YAML", "sdssim/scenario/_yaml.py", "load_text"),
    ("  schema", "sdssim/scenario/schema_check.py", "schema_errors"),
    ("  meaning", "sdssim/scenario/semantics.py", "build"),
    ("run directory", "sdssim/outputs/rundir.py", "write_run"),
    ("  simulate", "sdssim/scenario/runner.py", "run"),
    ("    write records", "sdssim/outputs/jsonl.py", "__call__"),
    ("      record to JSON", "sdssim/engine/records.py", "to_json"),
    ("      snapshot render", "sdssim/engine/records.py", "data"),
    ("      JSON encode", "json/encoder.py", "encode"),
    ("  manifest (SHA-256)", "sdssim/outputs/rundir.py", "manifest_of"),
    ("timeline printed", "sdssim/cli/run.py", "print_timeline"),
)


def worker_profile(args: list[str], out_path: str, stats_path: str) -> int:
    import cProfile
    import pstats

    _raise_limits()
    profile = cProfile.Profile()
    profile.enable()
    code = _call_cli(args)
    profile.disable()
    profile.dump_stats(stats_path)
    stats = pstats.Stats(stats_path).stats  # type: ignore[attr-defined]
    total = max(ct for (_f, _l, _n), (_cc, _nc, _tt, ct, _c) in stats.items())
    phases = {}
    for label, suffix, func in _PHASES:  # the outermost of functions of the same name
        phases[label] = max((ct for (f, _l, n), (_cc, _nc, _tt, ct, _c) in stats.items()
                             if n == func and f.replace(os.sep, "/").endswith(suffix)),
                            default=0.0)
    engine = sum(tt for (f, _l, _n), (_cc, _nc, tt, _ct, _c) in stats.items()
                 if "/sdssim/engine/" in f.replace(os.sep, "/"))
    top = sorted(((tt, f"{Path(f).parent.name}/{Path(f).name}:{n}")
                  for (f, _l, n), (_cc, _nc, tt, _ct, _c) in stats.items()), reverse=True)[:15]
    Path(out_path).write_text(json.dumps({
        "total": total, "phases": phases, "engine_own_time": engine,
        "top_own_time": [[name, tt] for tt, name in top]}), encoding="utf-8")
    return code


# -- the driver ------------------------------------------------------------------------------

def _spawn(argv: list[str], stdout_path: str, timeout: float) -> dict:
    """Run ``argv``; wall time, CPU time and peak RSS of the child (``wait4``)."""
    with open(stdout_path, "w", encoding="utf-8") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                return {"finished": False, "timeout": timeout}
            time.sleep(0.05)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"finished": True, "exit_code": proc.returncode, "seconds": wall,
            "cpu_seconds": usage.ru_utime + usage.ru_stime, "user_seconds": usage.ru_utime,
            "system_seconds": usage.ru_stime, "rss_peak_bytes": usage.ru_maxrss * 1024}


def _me(*extra: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *extra]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--form", choices=("groups", "listed"), default="groups",
                    help="jobs declared with count (default), or each listed in the file")
    ap.add_argument("--json", metavar="PATH", help="write the figures here")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    ap.add_argument("--profile", metavar="PATH",
                    help="also run under cProfile, save the stats to PATH, split the time")
    ap.add_argument("--keep", metavar="DIR", help="keep the scenario and outputs in DIR")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per subprocess")
    ap.add_argument("--write", metavar="PATH", help="only write the scenario to PATH")
    ap.add_argument("--worker", choices=("run", "memory", "profile"), help=argparse.SUPPRESS)
    ap.add_argument("--figures", help=argparse.SUPPRESS)
    ap.add_argument("--stats", help=argparse.SUPPRESS)
    args, rest = ap.parse_known_args(argv)
    if args.worker == "run":
        return worker_run(rest)
    if args.worker == "memory":
        return worker_memory(rest, args.figures)
    if args.worker == "profile":
        return worker_profile(rest, args.figures, args.stats)
    if args.write:
        Path(args.write).write_text(scenario_text(args.jobs, args.days, form=args.form),
                                    encoding="utf-8")
        return 0

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="sdssim-big-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        path = tmp / "big.yaml"
        text = scenario_text(args.jobs, args.days, form=args.form)
        path.write_text(text, encoding="utf-8")
        os.environ["BIG_RUN_BYTES"] = str(len(text.encode("utf-8")))
        figures: dict = {"jobs": args.jobs, "days": args.days, "form": args.form,
                         "scenario_bytes": len(text),
                         "cpus": os.cpu_count()}
        shipped = subprocess.run([sys.executable, "-m", "sdssim", "validate", str(path)],
                                 capture_output=True, text=True, check=False)
        figures["shipped_validate"] = {"exit_code": shipped.returncode,
                                       "says": (shipped.stdout + shipped.stderr).strip()[:300]}
        load_before = os.getloadavg()[0]
        command = ["run", str(path), "--out", str(tmp / "out"), "--progress", "none"]
        print(f"timed run: sdssim {' '.join(command)} ...", file=sys.stderr, flush=True)
        timed = _spawn(_me("--worker", "run", *command), str(tmp / "stdout.txt"), args.timeout)
        figures["timed"] = timed
        figures["load_average"] = [load_before, os.getloadavg()[0]]
        if timed.get("finished") and (tmp / "out").is_dir():
            lines = {}
            for name in ("events.jsonl", "snapshots.jsonl", "errors.jsonl"):
                with open(tmp / "out" / name, "rb") as fh:
                    lines[name] = sum(1 for _ in fh)
            figures["records"] = lines
            with open(tmp / "stdout.txt", "rb") as fh:
                figures["stdout_lines"] = sum(1 for _ in fh)
        if not args.no_memory:
            print("memory run (tracemalloc) ...", file=sys.stderr, flush=True)
            shutil.rmtree(tmp / "out", ignore_errors=True)
            fig = str(tmp / "memory.json")
            done = _spawn(_me("--worker", "memory", "--figures", fig, *command),
                          str(tmp / "stdout-memory.txt"), args.timeout * 4)
            figures["memory"] = json.loads(Path(fig).read_text(encoding="utf-8")) \
                if done.get("finished") and Path(fig).exists() else {"finished": False}
            figures["memory"]["run"] = done
        if args.profile:
            print("profiled run (cProfile) ...", file=sys.stderr, flush=True)
            shutil.rmtree(tmp / "out", ignore_errors=True)
            fig = str(tmp / "profile.json")
            done = _spawn(_me("--worker", "profile", "--figures", fig, "--stats",
                              os.path.abspath(args.profile), *command),
                          str(tmp / "stdout-profile.txt"), args.timeout * 4)
            figures["profile"] = json.loads(Path(fig).read_text(encoding="utf-8")) \
                if done.get("finished") and Path(fig).exists() else {"finished": False}
        figures["load_average"].append(os.getloadavg()[0])
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    figures["big_run_seconds"] = timed.get("seconds")
    figures["big_run_bytes_per_job"] = figures.get("memory", {}).get("bytes_per_job")
    print(report(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")
    return 0 if timed.get("finished") and timed.get("exit_code") in (0, 1) else 1


def report(f: dict) -> str:
    t = f["timed"]
    out = [f"sdssim run, {f['jobs']:,} jobs x {f['days']} days ({f.get('form', 'listed')} form, "
           f"{f['scenario_bytes'] / 2**20:.1f} MiB scenario), {f['cpus']} CPUs, load average "
           + " / ".join(f"{x:.2f}" for x in f["load_average"]) + " (before / after timed run / end)",
           f"as shipped: sdssim validate exits {f['shipped_validate']['exit_code']}: "
           f"{f['shipped_validate']['says'].splitlines()[0] if f['shipped_validate']['says'] else ''}"]
    if not t.get("finished"):
        out.append(f"timed run: did not finish within {t['timeout']:.0f} s")
        return "\n".join(out)
    full = f["jobs"] >= 100_000 and f["days"] >= 30  # the size issue 18 sets targets for
    target = ("met" if t["seconds"] < 60 else "NOT met") if full else "n/a at this size"
    out.append(f"timed run (limits raised): exit {t['exit_code']}, wall {t['seconds']:.1f} s "
               f"(target < 60 s: {target}), CPU {t['cpu_seconds']:.1f} s (user "
               f"{t['user_seconds']:.1f}, system {t['system_seconds']:.1f}), peak RSS "
               f"{t['rss_peak_bytes'] / 2**20:,.0f} MiB")
    if "records" in f:
        out.append("records: " + ", ".join(f"{k} {v:,}" for k, v in f["records"].items())
                   + f"; {f['stdout_lines']:,} lines printed")
    m = f.get("memory")
    if m and "bytes_per_job" in m:
        target = "met" if m["bytes_per_job"] < 2048 else "NOT met"
        target += "" if full else " (fixed costs weigh at this size)"
        out.append(f"held at the end of the run: {m['bytes_per_job']:,.0f} B per job (target "
                   f"< 2 KiB: {target}): the loaded scenario {m['scenario_bytes_per_job']:,.0f}, "
                   f"the run (simulation, log, labels) {m['run_bytes_per_job']:,.0f}; traced "
                   f"peak {m['traced_peak_bytes'] / 2**20:,.0f} MiB")
        out.append("  by where it was allocated, B per job: " + ", ".join(
            f"{k} {v:,}" for k, v in m["held_by_area_per_job"].items()))
    elif m:
        out.append("memory run: did not finish")
    p = f.get("profile")
    if p and "phases" in p:
        out.append(f"profile (cProfile, {p['total']:.1f} s in all; shares of that):")
        for label, seconds in p["phases"].items():
            out.append(f"  {label:<24}{seconds:>8.1f} s {100 * seconds / p['total']:>5.1f} %")
        out.append(f"  engine code, own time    {p['engine_own_time']:>8.1f} s "
                   f"{100 * p['engine_own_time'] / p['total']:>5.1f} %")
        out.append("  most own time: " + "; ".join(f"{n} {s:.1f} s" for n, s in
                                                   p["top_own_time"][:8]))
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
