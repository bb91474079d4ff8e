"""One run of a sweep: a scenario, a seed and config overrides in, one small row out.

This module is what Dask workers execute; it needs neither Dask nor pyarrow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from sdssim.clock import NEVER_TEXT, parse_timestamp, to_us
from sdssim.engine.subjects import parse_subject

__all__ = ["OUTCOME_COLUMNS", "ROW_COLUMNS", "run_one", "run_chunk", "run_rows",
           "outcome_of"]

#: the outcome columns of a row, in table order (after ``point``, the grid keys and ``seed``)
OUTCOME_COLUMNS: tuple[str, ...] = (
    "passed",             # every expectation of the scenario held
    "checks",             # expectations evaluated
    "failures",           # expectations that did not hold
    "quarantined",        # some job entered quarantine, or some profile sync ended quarantined
    "job_quarantines",    # job quarantines entered (job: Active -> Quarantine)
    "sync_quarantines",   # profile syncs ended quarantined
    "disabled",           # some job was disabled after 28 days in quarantine
    "disablements",       # schedule -> Disabled by the quarantine rule
    "time_to_steady_h",   # hours from the start until every job first reached steady state
    "cycles",             # synchronization cycles begun, all jobs together
    "events",             # event records
    "errors",             # error records (entry-level and execution-level)
    "error",              # empty, or the exception that stopped this run (a bug)
)

#: the fields of a compact row (:func:`run_rows`): ``seed``, then the outcome columns
ROW_COLUMNS: tuple[str, ...] = ("seed", *OUTCOME_COLUMNS)

_US_H = 3_600_000_000


def outcome_of(result: Any) -> dict[str, Any]:
    """The outcome columns of a :class:`~sdssim.scenario.RunResult`."""
    sim = result.sim
    job_q = sync_q = disables = 0
    for ev in sim.events:
        if ev.machine == "job":
            if ev.to_state == "Quarantine" and ev.from_state == "Active":
                job_q += 1
        elif ev.machine == "sync":
            if ev.to_state == "quarantined":
                sync_q += 1
        elif ev.machine == "schedule" and ev.to_state == "Disabled" and ev.trigger == "disable":
            disables += 1
    latest: dict[str, dict] = {}
    for snap in sim.snapshots:
        if snap.kind == "job":
            latest[snap.subject] = snap.data
    steady: float | None = None
    if latest:
        start = to_us(result.scenario.start)
        worst = 0
        for data in latest.values():
            first = (data.get("status") or {}).get("steadyStateFirstAchievedTime")
            if not first or first == NEVER_TEXT:
                worst = -1
                break
            worst = max(worst, to_us(parse_timestamp(first)) - start)
        steady = None if worst < 0 else round(worst / _US_H, 6)
    return {
        "passed": result.passed,
        "checks": result.checks_passed + len(result.failures),
        "failures": len(result.failures),
        "quarantined": bool(job_q or sync_q),
        "job_quarantines": job_q,
        "sync_quarantines": sync_q,
        "disabled": bool(disables),
        "disablements": disables,
        "time_to_steady_h": steady,
        "cycles": _cycles(result),
        "events": len(sim.events),
        "errors": len(sim.errors),
        "error": "",
    }


def _cycles(result: Any) -> int:
    """Cycles begun by the scenario's jobs (steady-state cycles change no state, so the
    event count alone does not show a shorter ``cycle_interval``)."""
    sim = result.sim
    ids = {}
    for subject, label in result.labels.items():
        kind, ident = parse_subject(subject)
        if kind == "job":
            ids[label.split(" ", 1)[1]] = ident
    total = 0
    for spec in result.scenario.jobs:
        job_id = ids.get(spec.key)
        if job_id is None:
            continue
        try:
            total += sim.job_cycle_count(spec.service_principal, job_id)
        except LookupError:  # deleted during the run
            continue
    return total


def _failed_row(exc: BaseException) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in OUTCOME_COLUMNS}
    row.update(passed=False, quarantined=False, disabled=False,
               error=f"{type(exc).__name__}: {exc}")
    return row


def _configured(scenario: Any, overrides: Mapping[str, Any] | None) -> Any:
    if not overrides:
        return scenario
    return attrs.evolve(scenario, config={**scenario.config, **overrides})


def _outcome(scenario: Any, seed: int) -> dict[str, Any]:
    from sdssim.scenario import run

    try:
        return outcome_of(run(scenario, seed=seed))
    except Exception as exc:  # noqa: BLE001 - recorded in the row, the sweep goes on
        return _failed_row(exc)


def run_one(scenario: Any, seed: int, overrides: Mapping[str, Any] | None = None
            ) -> dict[str, Any]:
    """Run ``scenario`` (a loaded :class:`~sdssim.scenario.Scenario`) with ``seed`` and
    ``overrides`` on its ``config``; return ``{"seed": seed, **outcome columns}``.

    An exception inside the run (a bug) does not stop a sweep: it is reported in the
    row's ``error`` column.
    """
    return {"seed": seed, **_outcome(_configured(scenario, overrides), seed)}


def run_rows(scenario: Any, seeds: Sequence[int], overrides: Mapping[str, Any] | None = None
             ) -> list[tuple[Any, ...]]:
    """:func:`run_one` for several seeds, in the order given, as compact rows: one tuple
    of :data:`ROW_COLUMNS` values per seed (what a worker sends back for one task)."""
    sc = _configured(scenario, overrides)
    rows = []
    for seed in seeds:
        outcome = _outcome(sc, seed)
        rows.append((seed, *(outcome[c] for c in OUTCOME_COLUMNS)))
    return rows


def run_chunk(scenario: Any, seeds: Sequence[int], overrides: Mapping[str, Any] | None = None
              ) -> list[dict[str, Any]]:
    """:func:`run_one` for several seeds, in the order given (:func:`run_rows` as dicts)."""
    return [dict(zip(ROW_COLUMNS, row, strict=True))
            for row in run_rows(scenario, seeds, overrides)]
