"""What-if runs: one shared past, two futures, and how they differ.

:func:`whatif` runs scenario S up to time ``at`` (every entry due by then
included), branches the whole run, plays S's remaining timeline in one branch
and an alternative scenario's timeline after ``at`` in the other, and compares
the two: final machine states, error counts and quarantine series per
subject, and the first record where they part.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pendulum

from sdssim.clock import format_timestamp
from sdssim.outputs.comparison import COMPARISON_FILE

from .checkpoints import branch_runner, start_runner
from .model import Scenario
from .results import RunResult
from .times import parse_time

__all__ = ["COMPARISON_FILE", "WhatIf", "compare", "whatif"]



class WhatIf:
    """Both results of a what-if and their comparison (plain JSON data)."""

    def __init__(self, original: RunResult, alternative: RunResult, comparison: dict) -> None:
        self.original = original
        self.alternative = alternative
        self.comparison = comparison


def whatif(scenario: Scenario, at: str, alternative: Scenario) -> WhatIf:
    """Run ``scenario`` to ``at``, then its own remaining timeline and ``alternative``'s."""
    when = parse_time(at, scenario.start)
    if when < scenario.start:
        raise ValueError(f"--at {format_timestamp(when)} is before the scenario start")
    if alternative.start != scenario.start:
        raise ValueError(f"the alternative starts at {format_timestamp(alternative.start)}, not "
                         f"at {format_timestamp(scenario.start)} like the scenario")
    end = max(scenario.last_time, alternative.last_time, when)
    runner = start_runner(scenario)
    runner.end = end
    runner.span = max((end - scenario.start).total_seconds(), 0.0)
    runner.run(until=when)
    other = branch_runner(runner, alternative)
    subjects = runner.subjects
    missing = _unknown_keys(alternative, when, set(subjects.profile_ids), set(subjects.job_ids))
    if missing:
        raise ValueError("the alternative acts on " + ", ".join(missing) + ", which the "
                         "scenario has not created by --at and the alternative never creates")
    other.index = next((i for i, e in enumerate(alternative.timeline) if e.time > when),
                       len(alternative.timeline))
    original = runner.carry_on()
    changed = other.carry_on()
    return WhatIf(original, changed, compare(original, changed, scenario, alternative, when))


def _unknown_keys(alt: Scenario, when: pendulum.DateTime, profiles: set[str],
                  jobs: set[str]) -> list[str]:
    # the shared past is the scenario's: only what it created, and what the alternative
    # creates after the branch, exists
    made_p, made_j = set(profiles), set(jobs)
    out: list[str] = []
    for entry in alt.timeline:
        if entry.time <= when:
            continue
        name = getattr(entry, "name", None)
        p, j = getattr(entry, "profile", None), getattr(entry, "job", None)
        if name == "create_profile" and p:
            made_p.add(p)
        elif name == "create_job" and j:
            made_j.add(j)
        elif p and p not in made_p and f"profile {p}" not in out:
            out.append(f"profile {p}")
        elif j and j not in made_j and f"job {j}" not in out:
            out.append(f"job {j}")
    return out


def _side(result: RunResult) -> dict[str, dict[str, Any]]:
    sim = result.sim
    out: dict[str, dict[str, Any]] = {}
    for rec in sim.events:
        side = out.setdefault(rec.subject, {"states": {}, "errors": 0, "quarantine_series": []})
        side["states"][rec.machine] = rec.to_state
        if rec.machine == "quarantine":
            side["quarantine_series"].append({"time": format_timestamp(rec.time),
                                              "from": rec.from_state, "to": rec.to_state,
                                              "trigger": rec.trigger})
    errors = Counter(rec.subject for rec in sim.errors)
    for subject, n in errors.items():
        out.setdefault(subject, {"states": {}, "errors": 0, "quarantine_series": []})
        out[subject]["errors"] = n
    return out


def compare(original: RunResult, alternative: RunResult, scenario: Scenario,
            alt: Scenario, at: pendulum.DateTime) -> dict[str, Any]:
    """The comparison document ``comparison.json`` holds."""
    first = None
    a_records = list(original.sim.records())
    b_records = list(alternative.sim.records())
    for i in range(max(len(a_records), len(b_records))):
        a = a_records[i].to_json() if i < len(a_records) else None
        b = b_records[i].to_json() if i < len(b_records) else None
        if a != b:
            time = (a or b or {}).get("time")
            if a is not None and b is not None:
                time = min(a["time"], b["time"])
            first = {"index": i, "time": time, "original": a, "alternative": b}
            break
    left, right = _side(original), _side(alternative)
    labels = {**original.labels, **alternative.labels}
    subjects = []
    for subject in sorted(set(left) | set(right), key=lambda s: (labels.get(s, s), s)):
        empty = {"states": {}, "errors": 0, "quarantine_series": []}
        subjects.append({"subject": subject, "label": labels.get(subject, subject),
                         "original": left.get(subject, empty),
                         "alternative": right.get(subject, empty)})
    return {
        "scenario": scenario.name, "alternative": alt.name, "at": format_timestamp(at),
        "runs": {"original": "original", "alternative": "alternative"},
        "checks": {"original": _verdict(original), "alternative": _verdict(alternative)},
        "first_divergence": first,
        "subjects": subjects,
    }


def _verdict(result: RunResult) -> dict[str, int]:
    return {"passed": result.checks_passed, "failed": len(result.failures)}
