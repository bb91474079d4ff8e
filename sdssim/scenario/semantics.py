"""Pass 3 of loading: what the document means, on every part that fits the schema.

:class:`Semantics` holds what the checks share (the declared profile and job
keys, which subjects exist when, where the schema already found fault) and
builds the :class:`~sdssim.scenario.Scenario`.  The checks themselves live by
concern: ``semantics_subjects`` (declared profiles, jobs and CSV sources),
``semantics_graph`` (Graph bodies), ``semantics_timeline`` (entry times,
actions and faults), ``semantics_expect`` (expectations) and ``semantics_groups``
(jobs declared with ``count``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from sdssim.clock import DEFAULT_START, parse_timestamp
from sdssim.engine import SimConfig

from .model import JobSpec, ProfileSpec, Scenario
from .problems import Checker, YPath, suggest
from .semantics_groups import unknown_job
from .semantics_subjects import check_job, check_profile
from .semantics_timeline import check_timeline
from .times import check_horizon, parse_start, parse_time

__all__ = ["Semantics"]


class Semantics:
    """Pass 3: meaning, on every part of the document that fits the schema."""

    def __init__(self, checker: Checker, data: dict[str, Any], file: Path,
                 bad: set[YPath]) -> None:
        self.c = checker
        self.data = data
        self.file = file
        self.bad_paths = bad
        self.profile_keys: dict[str, dict[str, Any]] = {}
        self.job_keys: dict[str, dict[str, Any]] = {}
        self.created: set[tuple[str, str]] = set()
        #: what the engine says of creating a job, by its body, objects and PATCH
        self.job_refusals: dict[tuple[Any, ...], tuple[tuple[YPath, str], ...]] = {}
        self._shared: dict[str, Any] = {}
        #: the key of a job declared with ``count`` -> the keys of its jobs, and back
        #: (``semantics_groups``); jobs and timeline entries counted for the limits
        self.groups: dict[str, tuple[str, ...]] = {}
        self.members: dict[str, str] = {}
        self.job_total = 0
        self.entry_total = 0

    def bad(self, path: YPath) -> bool:
        """Did the schema find a problem at or inside ``path`` (or above it)?"""
        n = len(path)
        return any(p[:n] == path or path[:len(p)] == p for p in self.bad_paths)

    def _items(self, name: str) -> list[tuple[int, Any]]:
        value = self.data.get(name)
        if not isinstance(value, list) or (name,) in self.bad_paths or () in self.bad_paths:
            return []
        return list(enumerate(value))

    def _register(self, kind: str, spec: Any) -> None:
        """Remember the key of a broken profile/job, so references to it are not flagged."""
        if isinstance(spec, dict) and isinstance(spec.get("key"), str):
            keys = self.profile_keys if kind == "profile" else self.job_keys
            keys.setdefault(spec["key"], spec)
            if spec.get("create", True) is not False:
                self.created.add((kind, spec["key"]))

    def _declared(self, kind: str, check: Callable[[Semantics, int, dict[str, Any]], Any]
                  ) -> list[Any]:
        """Each sound ``profiles``/``jobs`` item checked; the broken ones only registered."""
        out = []
        for i, spec in self._items(f"{kind}s"):
            if self.bad((f"{kind}s", i)):
                self._register(kind, spec)
            else:
                out.append(check(self, i, spec))
        return out

    def shared(self, value: Any) -> Any:
        """``value``, or an equal one given before: the scenario keeps each distinct body,
        object count and argument mapping once (a file of 100,000 jobs like one another
        repeats a few).  The model never changes them; everything that changes one
        (the runner's call arguments) copies it first."""
        try:
            key = json.dumps(value, sort_keys=True)
        except (TypeError, ValueError):  # keys of mixed types: kept as it is
            return value
        return self._shared.setdefault(key, value)

    def declare(self, kind: str, index: int, spec: dict[str, Any]) -> bool:
        """Take the key of ``profiles[index]``/``jobs[index]``; ``False`` when it is taken."""
        keys = self.profile_keys if kind == "profile" else self.job_keys
        key = spec["key"]
        group = self.members.get(key) if kind == "job" else None
        if key in keys or group is not None:
            made = f" (a job of group {group!r}, declared with count)" if group else ""
            self.c.at_value((f"{kind}s", index, "key"),
                            f"{kind}s[{index}].key: duplicate {kind} key {key!r}{made}")
            return False
        keys[key] = spec
        return True

    def build(self) -> Scenario | None:
        d = self.data
        start = parse_timestamp(DEFAULT_START)
        if "start" in d and not self.bad(("start",)):
            try:
                start = parse_start(d["start"])
            except ValueError as exc:
                self.c.at_value(("start",), f"start: {exc}")
        config = self._config(d.get("config") or {}) if not self.bad(("config",)) else {}
        profiles: list[ProfileSpec | None] = self._declared("profile", check_profile)
        jobs: list[JobSpec] = []
        for declared in self._declared("job", check_job):
            if isinstance(declared, list):
                jobs.extend(declared)
            elif declared is not None:
                jobs.append(declared)
        self.start = start
        timeline = check_timeline(self, self._items("timeline"), start)
        end = None
        if "end" in d and not self.bad(("end",)):
            last = max((e.time for e in timeline if e is not None), default=start)
            try:
                end = parse_time(d["end"], last)
                check_horizon(end, start)
                if end < last:
                    self.c.at_value(("end",), "end: is before the last timeline entry")
            except ValueError as exc:
                self.c.at_value(("end",), f"end: {exc}")
        if self.c.problems:
            return None
        return Scenario(
            path=str(self.file),
            name=d["name"],
            description=d.get("description", ""),
            seed=d.get("seed", 0),
            start=start,
            end=end,
            config=config,
            profiles=tuple(p for p in profiles if p is not None),
            jobs=tuple(jobs),
            timeline=tuple(e for e in timeline if e is not None),
        )

    # --- config ------------------------------------------------------------------

    def _config(self, config: dict[str, Any]) -> dict[str, Any]:
        fields = {f.name for f in attrs.fields(SimConfig)}
        good = {}
        for key, value in config.items():
            if key not in fields:
                self.c.at_key(("config", key),
                              f"config: unknown setting {key!r}{suggest(key, sorted(fields))}")
                continue
            try:
                SimConfig(**{key: value})
            except (TypeError, ValueError) as exc:
                self.c.at_value(("config", key), f"config.{key}: {exc}")
                continue
            good[key] = value
        return good

    # --- references: which subjects an entry names, and whether they exist yet ----

    def subject(self, entry: dict[str, Any], path: YPath, want: str | None, what: str) -> bool:
        """Does ``entry`` name a declared subject (of kind ``want``, when given)?"""
        ok = True
        for kind, keys in (("profile", self.profile_keys), ("job", self.job_keys)):
            if kind not in entry:
                continue
            key = entry[kind]
            if want is not None and kind != want:
                self.c.at_key(path + (kind,), f"{what} takes a {want}, not a {kind}")
                ok = False
            elif kind == "job" and key not in keys and key not in self.members:
                self.c.at_value(path + (kind,), f"unknown job {key!r}{unknown_job(self, key)}")
                ok = False
            elif kind == "profile" and key not in keys:
                known = ", ".join(sorted(keys)) or "none declared"
                self.c.at_value(path + (kind,), f"unknown {kind} {key!r}{suggest(key, keys)}"
                                f" (known {kind}s: {known})")
                ok = False
        if want is not None and want not in entry and ok:
            self.c.at_value(path, f"{what} needs a {want} (a key from {want}s)")
            ok = False
        return ok

    def creation(self, action: str, key: str, kind: str, path: YPath) -> bool:
        """Subjects declared with ``create: false`` exist only after their create action; a
        group exists when each of its jobs does."""
        keys = self.groups.get(key, (key,)) if kind == "job" else (key,)
        if action == f"create_{kind}":
            done = next((k for k in keys if (kind, k) in self.created), None)
            if done is not None:
                declared = (self.job_keys if kind == "job" else self.profile_keys).get(
                    self.members.get(done, done), {})
                why = "(declare it with create: false to create it in the timeline)" \
                    if declared.get("create", True) is not False else \
                    f"(an earlier create_{kind} created it)"
                self.c.at_value(path + ("action",), f"{kind} {done!r} is already created {why}")
                return False
            self.created.update((kind, k) for k in keys)
            return True
        missing = next((k for k in keys if (kind, k) not in self.created), None)
        if missing is not None:
            self.c.at_value(path + (kind,), f"{kind} {missing!r} is not created yet (it is "
                            f"declared with create: false; add a create_{kind} action before "
                            "this one)")
            return False
        return True
