"""Scenarios: a file format for sdssim stories, with loading, validation and a runner.

A scenario (YAML or JSON, described by the JSON Schema returned by
:func:`schema`) declares profiles and provisioning jobs, then a timeline of
actions, faults and expectations at absolute or relative virtual times.

>>> from sdssim import scenario
>>> sc = scenario.load("scenarios/01-first-csv-sync.yaml")   # doctest: +SKIP
>>> result = scenario.run(sc, seed=3)                          # doctest: +SKIP
>>> result.passed, [str(f) for f in result.failures]          # doctest: +SKIP

See ``docs/scenarios.md`` for the format.
"""

from __future__ import annotations

from .loader import load, load_string, parse_time, schema, validate
from .model import (
    ActionEntry,
    Check,
    CsvSpec,
    Entry,
    ExpectEntry,
    FaultEntry,
    JobSpec,
    ProfileSpec,
    Scenario,
)
from .runner import MISSING, CheckResult, Failure, LogLine, RunResult, run

__all__ = [
    "load",
    "load_string",
    "validate",
    "run",
    "schema",
    "parse_time",
    "Scenario",
    "ProfileSpec",
    "CsvSpec",
    "JobSpec",
    "Entry",
    "ActionEntry",
    "FaultEntry",
    "ExpectEntry",
    "Check",
    "RunResult",
    "Failure",
    "CheckResult",
    "LogLine",
    "MISSING",
]
