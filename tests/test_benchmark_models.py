"""The benchmark's three implementations of one model agree (correctness, not timing).

``benchmarks/models`` holds the model written three ways: driving sdssim's
``Simulation``, idiomatic SimPy, and a bare ``heapq`` loop.  Same seed, same
per-job counts of cycles, quarantines and disablements.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # ``benchmarks`` is a folder of the repository, not installed
    sys.path.insert(0, str(ROOT))

from benchmarks.models import (  # noqa: E402
    IMPLEMENTATIONS,
    JobPlan,
    Plan,
    make_plan,
    make_storm_plan,
    run_heapq,
    run_sdssim,
    run_simpy,
)
from benchmarks.models.plan import US_D, US_H  # noqa: E402


@pytest.fixture(scope="module")
def small():
    plan = make_plan(50, days=10, seed=3)
    return plan, {name: run(plan) for name, run in IMPLEMENTATIONS.items()}


def test_the_plan_has_every_kind_of_trouble(small):
    plan, _ = small
    assert plan.n == 50
    assert any(j.cred_start for j in plan.jobs)
    assert any(j.entry_start == 0 for j in plan.jobs)
    assert any(j.restart_at for j in plan.jobs)
    assert any(j.cred_start is None and j.entry_start is None for j in plan.jobs)
    assert make_plan(50, days=10, seed=3) == plan
    assert make_plan(50, days=10, seed=4) != plan


def test_all_implementations_agree_job_by_job(small):
    _, results = small
    ref = results["heapq"].outcome
    for name, res in results.items():
        assert res.outcome.first_difference(ref) is None, name
        assert res.outcome.digest() == ref.digest()
    totals = ref.totals()
    assert totals["quarantines"] > 0
    # about 36 cycles a day per healthy job; jobs whose initial cycle pruned its escrows
    # paused after that one cycle
    assert totals["cycles"] > 50 * 10 * 25
    assert 0 < ref.cycles.count(1) < 10


def test_the_lazy_engine_takes_far_fewer_events(small):
    _, results = small
    lazy, stepped = results["sdssim-lazy-records-on"], results["sdssim-stepped-records-on"]
    assert lazy.events * 10 < stepped.events
    assert results["simpy"].events > lazy.cycles
    # the floor takes the same shortcut: about as few events as sdssim
    assert results["heapq-lazy"].events * 10 < results["heapq"].events


def test_the_worst_case_plan_hits_every_job_often_and_all_agree():
    plan = make_storm_plan(40, days=5, seed=2)
    assert make_storm_plan(40, days=5, seed=2) == plan
    per_job = [len(j.storm) for j in plan.jobs]
    assert min(per_job) >= 10  # about one fault every 4 hours: ~30 in 5 days
    kinds = {w[2] for j in plan.jobs for w in j.storm}
    assert kinds == {"slow", "entry", "cred"}
    for job in plan.jobs:  # sorted, never overlapping, never on a whole second
        for (s1, e1, _, _), (s2, _, _, _) in zip(job.storm, job.storm[1:], strict=False):
            assert s1 < e1 < s2
        assert all(s % 1_000_000 and e % 1_000_000 for s, e, _, _ in job.storm)
    results = {name: run(plan) for name, run in IMPLEMENTATIONS.items()}
    ref = results["simpy"].outcome
    for name, res in results.items():
        assert res.outcome.first_difference(ref) is None, name
    assert ref.totals()["quarantines"] > 0
    assert results["sdssim-lazy-records-off"].events == results["heapq-lazy"].events


def test_disablement_after_28_days_and_agreement_over_30_days():
    never_fixed = JobPlan(500, cred_start=2 * US_H + 250_000, cred_end=40 * US_D)
    short = JobPlan(800, cred_start=3 * US_D + 250_000, cred_end=3 * US_D + 5 * US_H + 750_000)
    clean = JobPlan(300)
    entry = JobPlan(9000, entry_start=0, entry_end=20 * US_H + 250_000, entry_count=6000)
    restart = JobPlan(12000, entry_start=4 * US_D + 500_000,
                      entry_end=4 * US_D + 30 * US_H + 750_000, entry_count=7000,
                      restart_at=4 * US_D + 500_000)
    plan = Plan(seed=9, days=30, jobs=(never_fixed, short, clean, entry, restart))
    outs = [run(plan).outcome for run in (run_sdssim, run_simpy, run_heapq)]
    assert outs[0].first_difference(outs[1]) is None
    assert outs[0].first_difference(outs[2]) is None
    out = outs[0]
    assert out.disabled == [1, 0, 0, 0, 0]
    # the entry job's initial cycle prunes its escrows and pauses instead (escrowsPruned)
    assert out.quarantines == [1, 1, 0, 0, 1]
    assert out.cycles[3] == 1
    # the disabled job: four healthy cycles (0, 40, 80, 120 min) before the fault, then the
    # failed one that begins the series, attempts at +6h, +12h, +24h, then daily up to the
    # one at +28 days that disables it: 31 failed attempts in all
    assert out.cycles[0] == 4 + 31
    assert out.cycles[2] > 30 * 35


def test_a_changed_rule_is_noticed():
    """The comparison is not vacuous: a different interval gives different counts."""
    import dataclasses

    plan = make_plan(20, days=5, seed=1)
    other = dataclasses.replace(plan, rules=dataclasses.replace(plan.rules,
                                                                interval=30 * 60_000_000))
    assert run_heapq(plan).outcome.first_difference(run_heapq(other).outcome) is not None
