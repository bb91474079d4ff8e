"""Graph bodies in a scenario: do they fit the resource, would the service take them?

A body is read by the resource model first (problems point into the body),
then tried on a throwaway :class:`~sdssim.engine.Simulation`, so a scenario
that the service would answer with a 400 is refused when it loads.  The
throwaway simulations share one default :class:`~sdssim.engine.SimConfig`
(frozen, so shared safely): building a default config costs three quarters
of a fresh simulation, which a scenario of 100,000 jobs builds 100,000 times.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sdssim.engine import SimConfig, Simulation
from sdssim.errors import GraphError, ModelError

from .problems import Checker, YPath, describe

__all__ = ["model_check", "engine_check", "engine_refusal"]


def model_check(c: Checker, body: dict[str, Any], path: YPath, kind: str) -> bool:
    """Does ``body`` fit the Graph resource (``kind`` profile or job)?"""
    from sdssim.models import EducationSynchronizationProfile, SynchronizationJob

    cls = EducationSynchronizationProfile if kind == "profile" else SynchronizationJob
    try:
        cls.from_json(body)
    except ModelError as exc:
        sub = _model_path(exc.path)
        c.at_value(path + sub, f"{describe(path + sub)}: {exc.message}")
        return False
    except (TypeError, ValueError) as exc:
        c.at_value(path, f"{describe(path)}: {exc}")
        return False
    return True


def engine_check(c: Checker, path: YPath, call: Callable[[Any], Any]) -> None:
    """Would the engine accept this call on a fresh simulation?  (Graph's 400 rules.)"""
    refusal = engine_refusal(call)
    if refusal is not None:
        c.at_value(path, f"{describe(path)}: {refusal}")


def engine_refusal(call: Callable[[Any], Any]) -> str | None:
    """Why the engine refuses this call on a fresh simulation, or ``None`` if it takes it."""
    try:
        call(Simulation(config=_default_config()))
    except GraphError as exc:
        return f"the service would refuse it: {exc.status} {exc.code}: {exc.message}"
    return None


@functools.cache
def _default_config() -> SimConfig:
    return SimConfig()


def _model_path(text: str) -> YPath:
    """``dataProvider.customizations.school`` or ``userDomains[0].name`` as a path tuple."""
    out: list[Any] = []
    for part in text.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            out.append(int(part[1:-1]))
        else:
            out.append(part)
    return tuple(out)
