"""The benchmark model written idiomatically in SimPy: one process per job, timeouts.

As SimPy's documentation teaches: each job is a generator process that
``yield``\\ s a timeout for the wait until its next cycle and another for the
cycle itself; an administrator's restart is a separate process that
interrupts the job's process (:class:`simpy.Interrupt`).  Integer
microseconds are the time unit, so every time is exact.
"""

from __future__ import annotations

import time

import simpy

from sdssim.engine.jobs import draw, stream_seed

from .plan import US_S, JobPlan, Outcome, Plan, Rules
from .result import Result

__all__ = ["run_simpy"]


def _job(env: simpy.Environment, i: int, job: JobPlan, stream: int, rules: Rules,
         out: Outcome):
    """One provisioning job: cycles on the schedule, quarantine, escalation, restarts."""
    ilo, ihi = rules.initial_per_object
    mlo, mhi = rules.incremental_minutes
    initial_done = force_full = quarantined = False
    series = count = 0
    nxt = env.now
    while True:
        try:
            if nxt > env.now:
                yield env.timeout(nxt - env.now)
            began = env.now
            k = out.cycles[i] = out.cycles[i] + 1
            initial = not initial_done or force_full
            escrow = False
            if job.cred_active(began):
                failed = True  # every call to the target fails: the cycle ends at once
            else:
                if initial:
                    units = job.objects
                    dur = round(units * (ilo + (ihi - ilo) * draw(stream, k, 0)) * 60) * US_S
                else:
                    dur = round((mlo + (mhi - mlo) * draw(stream, k, 0)) * 60) * US_S
                    units = int(job.objects * rules.change_rate * (0.5 + draw(stream, k, 1)))
                slow = job.slowdown(began)
                if slow != 1:
                    dur = round(dur * slow / US_S) * US_S
                failures = job.entry_failures(began, units)
                yield env.timeout(dur)
                failed = escrow = rules.over_threshold(failures, units)
            now = env.now
            if escrow and not initial_done and not quarantined:
                return  # escrowsPruned: the first initial cycle completes, the job pauses
            if failed:
                if not quarantined:
                    quarantined = True
                    out.quarantines[i] += 1
                    series, count = now, 1
                else:
                    count += 1
                    if now - series >= rules.disable_after:
                        out.disabled[i] = 1
                        return
                nxt = max(series + rules.retry_offset(count), now)
            else:
                if initial:
                    initial_done, force_full = True, False
                quarantined = False
                nxt = max(began + rules.interval, now)
        except simpy.Interrupt:  # a Watermark restart: a full cycle at once
            force_full = True
            nxt = env.now


def _admin(env: simpy.Environment, at: int, target: simpy.Process):
    yield env.timeout(at - env.now)
    if target.is_alive:
        target.interrupt("restart")


def run_simpy(plan: Plan) -> Result:
    t_wall = time.perf_counter()
    env = simpy.Environment(initial_time=0)
    out = Outcome.empty(plan.n)
    rules = plan.rules
    procs = [env.process(_job(env, i, job, stream_seed(plan.seed, i + 1), rules, out))
             for i, job in enumerate(plan.jobs)]
    for t, i, kind in plan.actions():
        if kind == "restart":
            env.process(_admin(env, t, procs[i]))
    env.run(until=plan.horizon + 1)  # events at the horizon included
    # SimPy numbers every event it schedules; those still queued were not processed.
    events = next(env._eid) - len(env._queue)
    seconds = time.perf_counter() - t_wall
    return Result("simpy", plan.n, plan.days, out, events, seconds, state=(env, procs))
