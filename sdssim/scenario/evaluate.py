"""Evaluating expectations during a run: a subject's current values, and whether they match."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sdssim.clock import parse_timestamp
from sdssim.engine.subjects import job_subject

from .model import ExpectEntry
from .results import MISSING

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["Reader", "matches", "field_name"]


def field_name(name: str) -> str:
    """A check as results name it: ``json:a.b`` is ``a.b``, ``errors_by_code:X`` is ``….X``."""
    return name.split(":", 1)[1] if name.startswith("json:") else name.replace(":", ".")


def matches(expected: Any, actual: Any) -> bool:
    """Does ``actual`` hold what the scenario expects?"""
    if actual is MISSING:
        return expected is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, str) and isinstance(actual, str) and expected != actual:
        try:  # timestamps written differently but equal (…:00Z vs …:00.000Z)
            return parse_timestamp(expected) == parse_timestamp(actual)
        except ValueError:
            return False
    return expected == actual


def _raw(sim: Any, name: str, *args: Any) -> Any:
    """A Graph read through ``sim.observe``: consumes no request fault, changes nothing."""
    return getattr(sim.observe, name)(*args)


class Reader:
    """Reads one subject's current values for an expectation.

    Everything is read through ``sim.observe`` but a job's ``error_count`` and
    ``errors_by_code``, which count its error records: ``error_codes(subject)`` gives
    their codes (by default read from ``sim.errors``, which a simulation that streams
    its records does not keep).
    """

    def __init__(self, sim: Simulation, entry: ExpectEntry, profile_ids: dict[str, str],
                 job_ids: dict[str, tuple[str, str]],
                 error_codes: Callable[[str], list[Any]] | None = None) -> None:
        self.sim = sim
        self.kind = entry.subject_kind
        self.key = entry.key
        self.profile_ids = profile_ids
        self.job_ids = job_ids
        self.error_codes = error_codes
        self.cache: dict[str, Any] = {}

    def _ids(self) -> tuple[Any, ...] | None:
        if self.kind == "profile":
            pid = self.profile_ids.get(self.key)
            return (pid,) if pid is not None else None
        return self.job_ids.get(self.key)

    def _get(self, what: str) -> Any:
        if what not in self.cache:
            ids = self._ids()
            try:
                if ids is None:
                    raise LookupError(self.key)
                if what == "resource":
                    name = "get_profile" if self.kind == "profile" else "get_job"
                    self.cache[what] = _raw(self.sim, name, *ids)
                elif what == "status":
                    self.cache[what] = _raw(self.sim, "get_profile_status", *ids)
                elif what == "errors":
                    if self.kind == "profile":
                        self.cache[what] = [e.error_code for e in
                                            _raw(self.sim, "list_errors", *ids)]
                    else:
                        subject = job_subject(ids[1])
                        if self.error_codes is not None:
                            self.cache[what] = list(self.error_codes(subject))
                        else:
                            self.cache[what] = [r.data.get("code") for r in self.sim.errors
                                                if r.subject == subject]
                elif what == "machines":
                    # the machines' states now (each state change is an event, so these
                    # are the last events' states, which ``state_at`` would replay)
                    name = "profile_states" if self.kind == "profile" else "job_states"
                    self.cache[what] = _raw(self.sim, name, *ids)
            except LookupError:
                self.cache[what] = None
        return self.cache[what]

    def value(self, name: str) -> Any:
        """The current value of check ``name`` (:data:`MISSING` when there is none)."""
        if name == "exists":
            return self._get("resource") is not None
        resource = self._get("resource")
        if resource is None:
            return MISSING
        if name.startswith("json:"):
            path = name[5:]
            if self.kind == "profile" and path.startswith("status."):
                status = self._get("status")
                return _dig(status.to_json(), path[len("status."):].split("."))
            return _dig(resource.to_json(), path.split("."))
        if name == "profile_state":
            return _enum(resource.state)
        if name == "sync_status":
            return _enum(self._get("status").status)
        if name in ("error_count",) or name.startswith("errors_by_code:"):
            codes = self._get("errors") or []
            if name == "error_count":
                return len(codes)
            return sum(1 for c in codes if c == name.split(":", 1)[1])
        status = resource.status
        if name == "job_code":
            return _enum(status.code)
        if name == "schedule_state":
            return _enum(resource.schedule.state)
        if name == "last_execution":
            return _enum(status.last_execution.state) if status.last_execution else None
        if name == "quarantine_reason":
            return _enum(status.quarantine.reason) if status.quarantine else None
        if name == "quarantine_series_count":
            return status.quarantine.series_count if status.quarantine else 0
        if name == "quarantine_state":
            return (self._get("machines") or {}).get("quarantine", MISSING)
        raise KeyError(name)  # pragma: no cover - the loader admits known checks only


def _enum(value: Any) -> Any:
    return getattr(value, "value", value)


def _dig(data: Any, parts: list[str]) -> Any:
    """Follow a dotted path; list items by index, or by their ``key``/``name`` member."""
    for part in parts:
        if isinstance(data, dict):
            if part not in data:
                return MISSING
            data = data[part]
        elif isinstance(data, list):
            if part.isdigit():
                index = int(part)
                if index >= len(data):
                    return MISSING
                data = data[index]
            else:
                found = [item for item in data if isinstance(item, dict)
                         and part in (item.get("key"), item.get("name"))]
                if not found:
                    return MISSING
                data = found[0]
        else:
            return MISSING
    return data
