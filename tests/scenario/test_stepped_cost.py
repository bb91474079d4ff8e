"""A stepped scenario costs two events per cycle due, whatever its faults (issue 18's cliff).

The reported case: jobs started over a day, a two-day ``endpoint_down`` on every
7th job at day 1 + its index, ``lazy_steady_state: false``.  Driven through the
scenario runner, every event must be a cycle's begin or end (or a
quarantine's retry): no event is scheduled twice.
"""

import datetime as dt

from sdssim import scenario
from sdssim.scenario.defaults import default_service_principal


def _scenario(jobs: int, days: int) -> str:
    t0 = dt.datetime(2026, 9, 1)

    def ts(d: dt.datetime) -> str:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")

    lines = ["name: stepped cost", "seed: 1", f"start: {ts(t0)}",
             "config: {lazy_steady_state: false}", "jobs:"]
    for i in range(jobs):
        lines += [f"  - key: j{i}", "    body: {templateId: scim}", "    objects: {User: 500}"]
    lines.append("timeline:")
    for i in range(jobs):
        at = t0 + dt.timedelta(minutes=i * 24 * 60 // jobs)
        lines += [f"  - at: {ts(at)}", "    action: start_job", f"    job: j{i}"]
    for i in range(0, jobs, 7):
        lines += [f"  - at: {ts(t0 + dt.timedelta(days=1 + i))}", "    fault: endpoint_down",
                  f"    job: j{i}", "    duration: 2d"]
    lines += [f"  - at: {ts(t0 + dt.timedelta(days=days))}",
              "    expect: {job: j1, job_code: Active}"]
    return "\n".join(lines) + "\n"


def test_every_event_of_a_stepped_run_is_a_cycle_begin_or_end():
    result = scenario.run(scenario.load_string(_scenario(jobs=30, days=40)))
    assert result.passed
    sim = result.sim
    cycles = 0
    for i in range(30):
        sp = default_service_principal(f"j{i}")
        [job] = sim.observe.list_jobs(sp)
        cycles += sim.job_cycle_count(sp, job.id)
    assert cycles > 30 * 35 * 36  # about 36 cycles a day for most of the 40 days
    # two events per cycle (begin, end), plus one pending end at most per job
    assert cycles * 2 - 30 <= sim.events_processed <= cycles * 2 + 30
