"""The benchmark model driven through sdssim's public :class:`~sdssim.Simulation` API.

Jobs are created and started at ``t0``; faults are added and restarts made
when the plan says (as a scenario's timeline would), and the run advances to
the horizon.  Counts come from the records: a quarantine entered is an event
of machine ``job`` from ``Active`` to ``Quarantine``, a disablement an event
of machine ``schedule`` to ``Disabled`` with trigger ``disable``; cycles are
the job's cycle count once observed at the horizon (observing a lazy job
computes its steady cycles, and that cost is timed too).
"""

from __future__ import annotations

import datetime as dt
import time

from sdssim import SimConfig, Simulation
from sdssim.engine.records import EventRecord

from .plan import START, Outcome, Plan
from .result import Result

__all__ = ["run_sdssim", "SP"]

SP = "sp-bench"
_BODY = {"templateId": "scim"}
START_DT = dt.datetime.fromisoformat(START.replace("Z", "+00:00"))


def _us(us: int) -> dt.timedelta:
    return dt.timedelta(microseconds=us)


def run_sdssim(plan: Plan, *, stepped: bool = False, keep_records: bool = False,
               name: str | None = None) -> Result:
    """Run the plan; ``stepped`` turns the lazy steady state off (every cycle is stepped)."""
    t_wall = time.perf_counter()
    n = plan.n
    out = Outcome.empty(n)
    index: dict[str, int] = {}
    quarantines, disabled = out.quarantines, out.disabled

    def on_record(rec: object) -> None:
        if type(rec) is EventRecord:
            if rec.machine == "job":
                if rec.to_state == "Quarantine" and rec.from_state == "Active":
                    quarantines[index[rec.subject]] += 1
            elif rec.machine == "schedule" and rec.trigger == "disable":
                disabled[index[rec.subject]] += 1

    sim = Simulation(seed=plan.seed, start=START,
                     config=SimConfig(lazy_steady_state=not stepped),
                     keep_records=keep_records, on_record=on_record, snapshots=keep_records)
    ids = []
    for i, job in enumerate(plan.jobs):
        jid = sim.create_job(SP, _BODY, objects={"User": job.objects}).id
        ids.append(jid)
        index[f"job/{jid}"] = i
    for i, job in enumerate(plan.jobs):
        if job.entry_start == 0:
            sim.add_fault("entry_failures", duration=_us(job.entry_end), target=f"job/{ids[i]}",
                          count=job.entry_count)
    for i, job in enumerate(plan.jobs):  # the worst case's faults, known in advance
        target = f"job/{ids[i]}"
        for start, end, kind, value in job.storm:
            at, span = START_DT + _us(start), _us(end - start)
            if kind == "cred":
                sim.add_fault("credential_failure", at=at, duration=span, target=target)
            elif kind == "entry":
                sim.add_fault("entry_failures", at=at, duration=span, target=target, count=value)
            else:
                sim.add_fault("throttling", at=at, duration=span, target=target, slowdown=value)
    for jid in ids:
        sim.start_job(SP, jid)
    now = 0
    jobs = plan.jobs
    for t, i, kind in plan.actions():
        if t > now:
            sim.advance(_us(t - now))
            now = t
        job = jobs[i]
        target = f"job/{ids[i]}"
        if kind == "cred":
            sim.add_fault("credential_failure", duration=_us(job.cred_end - job.cred_start),
                          target=target)
        elif kind == "entry":
            sim.add_fault("entry_failures", duration=_us(job.entry_end - job.entry_start),
                          target=target, count=job.entry_count)
        else:
            sim.restart_job(SP, ids[i], "Watermark")
    sim.advance(_us(plan.horizon - now))
    # The cycle count is not part of the Graph resource; the engine counts it for us.
    for i, jid in enumerate(ids):
        out.cycles[i] = sim.job_cycle_count(SP, jid)
    seconds = time.perf_counter() - t_wall
    index.clear()  # the driver's bookkeeping, not the simulation's memory
    return Result(name or ("sdssim-stepped" if stepped else "sdssim"), n, plan.days, out,
                  sim.events_processed, seconds, state=sim)
