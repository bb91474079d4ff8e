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

from . import model
from .loader import load, load_string, validate

# The scenario data model is public as a whole: its ``__all__`` is part of this one.
from .model import *  # noqa: F403
from .results import MISSING, CheckResult, Failure, LogLine, RunResult
from .runner import run
from .schema_check import schema
from .times import parse_time

__all__ = ["load", "load_string", "validate", "run", "schema", "parse_time"]
__all__ += model.__all__
__all__ += ["RunResult", "Failure", "CheckResult", "LogLine", "MISSING"]
