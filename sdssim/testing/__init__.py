"""Testing kit: Hypothesis strategies, a stateful machine, a pytest plugin, scenario export.

* :mod:`sdssim.testing.strategies` — CSV datasets with chosen defects, fault
  plans, API call sequences and whole scenario plans (needs Hypothesis);
* :class:`sdssim.testing.stateful.SimulationMachine` — a
  ``RuleBasedStateMachine`` to subclass for checking a client (needs Hypothesis);
* :func:`fork_fixture` / :class:`SimulationTemplate` — one expensive set-up, a fork per
  test; :class:`~sdssim.testing.stateful.CheckpointedSimulationMachine` — a stateful rule
  that checkpoints, restores and checks the copy evolves identically;
* :mod:`sdssim.testing.plugin` — the pytest plugin (``sds_sim``, ``sds_server``);
* :class:`Plan` and :func:`run_plan` (from :mod:`sdssim.scenario.plan`) — plans
  addressed by scenario keys, which the strategies generate;
* :mod:`sdssim.testing.invariants` — the model's own invariants.

A simulation's calls and faults become a scenario file with :func:`sdssim.to_scenario`.

Importing this package imports neither Hypothesis nor pytest; the names below
that need them load on first use.
"""

from __future__ import annotations

from typing import Any

from sdssim.scenario.model import JobSpec, ProfileSpec
from sdssim.scenario.plan import Call, Expect, Fault, Plan, run_plan

from .forking import SimulationTemplate, assert_same_future, fork_fixture
from .invariants import InvariantViolation, ModelInvariants, check_model

__all__ = [
    "check_model",
    "ModelInvariants",
    "InvariantViolation",
    "Plan",
    "ProfileSpec",
    "JobSpec",
    "Call",
    "Fault",
    "Expect",
    "run_plan",
    "SimulationMachine",
    "CheckpointedSimulationMachine",
    "SimulationTemplate",
    "fork_fixture",
    "assert_same_future",
    "strategies",
]


def __getattr__(name: str) -> Any:
    if name in ("SimulationMachine", "CheckpointedSimulationMachine"):
        from . import stateful

        return getattr(stateful, name)
    if name == "strategies":
        import importlib

        return importlib.import_module("sdssim.testing.strategies")
    raise AttributeError(f"module 'sdssim.testing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
