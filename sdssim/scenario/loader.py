"""Loading and validating scenario files.

Three passes, each collecting every problem it finds:

1. parse YAML/JSON, remembering the line and column of every value;
2. check the document against the shipped JSON Schema (``schema.json``);
3. check meaning: times, references to profile and job keys, action names
   and arguments, fault parameters, Graph bodies, CSV sources, and
   expectations that could never hold.

Any problem raises :class:`sdssim.errors.ScenarioError` listing them all,
sorted by position, each ``FILE:LINE:COLUMN: message``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import os
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pendulum

from sdssim.clock import parse_duration, parse_timestamp
from sdssim.errors import GraphError, ModelError, Problem, ScenarioError

from . import csvgen
from ._yaml import Locations, load_text
from .model import (
    DEFAULT_START,
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

__all__ = ["load", "load_string", "validate", "schema", "parse_time", "ACTIONS"]

YPath = tuple[Any, ...]

#: action name -> (subject kind or None, extra fields it accepts)
ACTIONS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    # profiles
    "create_profile": ("profile", ("body",)),
    "get_profile": ("profile", ()),
    "delete_profile": ("profile", ()),
    "pause_profile": ("profile", ()),
    "resume_profile": ("profile", ()),
    "reset_profile": ("profile", ()),
    "get_upload_url": ("profile", ()),
    "upload_files": ("profile", ("files",)),
    "start_profile": ("profile", ()),
    "get_profile_status": ("profile", ()),
    "list_errors": ("profile", ()),
    "create_error": ("profile", ("body",)),
    "list_profiles": (None, ()),
    # jobs
    "create_job": ("job", ("body",)),
    "get_job": ("job", ()),
    "update_job": ("job", ("body",)),
    "delete_job": ("job", ()),
    "start_job": ("job", ()),
    "pause_job": ("job", ()),
    "stop_job": ("job", ()),
    "apply_job": ("job", ()),
    "restart_job": ("job", ("reset_scope",)),
    "validate_credentials": ("job", ("body",)),
    "get_job_schema": ("job", ()),
    "list_jobs": ("job", ()),
}

#: Simulation members a timeline may not call (time moves with ``at``; faults have entries).
NOT_ACTIONS = frozenset({
    "advance", "run_until", "step", "next_event_time", "records", "state_at", "add_fault",
    "to_scenario", "now", "seed", "config", "events", "snapshots", "errors",
})

PROFILE_CHECKS = ("exists", "profile_state", "sync_status", "error_count", "errors_by_code", "json")
JOB_CHECKS = ("exists", "job_code", "schedule_state", "last_execution", "quarantine_reason",
              "quarantine_series_count", "quarantine_state", "error_count", "errors_by_code",
              "json")
CHECK_ORDER = ("exists", "profile_state", "sync_status", "job_code", "schedule_state",
               "last_execution", "quarantine_reason", "quarantine_series_count",
               "quarantine_state", "error_count", "errors_by_code", "json")

_RUNNING_STATUSES = {"inProgress", "extracting", "validating", "success", "error",
                     "validationError", "quarantined"}

_TYPE_NAMES = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "true or false", "null": "null",
}


@cache
def schema() -> dict[str, Any]:
    """The scenario JSON Schema (Draft 2020-12) shipped as ``sdssim/scenario/schema.json``."""
    text = resources.files("sdssim.scenario").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def parse_time(text: Any, base: pendulum.DateTime) -> pendulum.DateTime:
    """An absolute timestamp, or ``+duration`` added to ``base``.  ``ValueError`` otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"expected a time such as '+40m' or '{DEFAULT_START}'")
    value = text.strip()
    if value.startswith("+"):
        try:
            return base + parse_duration(value[1:].strip())
        except ValueError:
            raise ValueError(
                f"{text!r} is not a relative time ('+' and a duration: +40m, +6h, +P1D, +PT40M)"
            ) from None
    try:
        return parse_timestamp(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time (an ISO 8601 timestamp such as {DEFAULT_START}, "
            "or '+' and a duration such as +40m)"
        ) from None


def _describe(path: YPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "scenario"


def _jtype(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _suggest(word: Any, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Checker:
    """Collects problems for one file."""

    def __init__(self, file: str, locs: Locations) -> None:
        self.file = file
        self.locs = locs
        self.problems: list[Problem] = []

    def at_value(self, path: YPath, message: str) -> None:
        line, col = self.locs.value(path)
        self.problems.append(Problem(self.file, line, col, message))

    def at_key(self, path: YPath, message: str) -> None:
        line, col = self.locs.key(path)
        self.problems.append(Problem(self.file, line, col, message))

    # --- schema ------------------------------------------------------------------

    def schema_errors(self, data: Any) -> set[YPath]:
        """Report every schema violation; return the paths of the values at fault."""
        bad: set[YPath] = set()
        for error in _validator().iter_errors(data):
            self._schema_error(error)
            bad.add(tuple(error.absolute_path))
        return bad

    def _schema_error(self, error: jsonschema.ValidationError) -> None:
        path = tuple(error.absolute_path)
        where = _describe(path)
        sch = error.schema if isinstance(error.schema, dict) else {}
        kind = error.validator
        if kind == "additionalProperties":
            allowed = list(sch.get("properties", {}))
            extras = [k for k in error.instance if k not in sch.get("properties", {})]
            for key in extras:
                self.at_key(
                    path + (key,),
                    f"unknown field {key!r} in {where}{_suggest(key, allowed)}",
                )
        elif kind == "required":
            missing = [k for k in error.validator_value if k not in error.instance]
            for key in missing:
                self.at_value(path, f"{where}: missing required field {key!r}")
        elif kind == "type":
            expected = error.validator_value
            names = [expected] if isinstance(expected, str) else list(expected)
            want = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
            self.at_value(path, f"{where}: expected {want}, got {_jtype(error.instance)}")
        elif kind == "enum":
            if self._property_name_error(error, path):
                return
            title = sch.get("title", "value")
            options = ", ".join("null" if v is None else str(v) for v in error.validator_value)
            self.at_value(
                path,
                f"{where}: {_literal(error.instance)} is not a valid {title} (one of: {options})"
                + _suggest(error.instance, [v for v in error.validator_value if v]),
            )
        elif kind == "not" and self._property_name_error(error, path):
            return
        elif kind == "pattern":
            if self._property_name_error(error, path):
                return
            hint = sch.get("x-message") or f"must match {error.validator_value}"
            self.at_value(path, f"{where}: {error.instance!r} {hint}")
        elif kind in ("minimum", "maximum"):
            word = "at least" if kind == "minimum" else "at most"
            self.at_value(path, f"{where}: must be {word} {error.validator_value}")
        elif kind == "minLength":
            self.at_value(path, f"{where}: must not be empty")
        elif kind == "minProperties":
            hint = sch.get("x-min-message") or f"needs at least {error.validator_value} field(s)"
            self.at_value(path, f"{where}: {hint}")
        elif kind == "oneOf" and "x-kind-message" in sch:
            present = [k for k in ("action", "fault", "expect") if k in error.instance]
            if present:
                self.at_key(path + (present[1],), f"{where}: {sch['x-kind-message']}")
            else:
                self.at_value(path, f"{where}: {sch['x-kind-message']}")
        else:
            self.at_value(path, f"{where}: {error.message}")

    def _property_name_error(self, error: jsonschema.ValidationError, path: YPath) -> bool:
        """``propertyNames`` failures: point at the offending key."""
        if "propertyNames" not in error.schema_path:
            return False
        key = error.instance
        sch = error.schema if isinstance(error.schema, dict) else {}
        where = _describe(path)
        if "x-message" in sch:
            self.at_key(path + (key,), f"{where}: field {key!r} {sch['x-message']}")
        elif sch.get("title") == "CSV file" and "enum" in sch:
            self.at_key(
                path + (key,),
                f"{where}: {key!r} is not an SDS CSV file (one of: {', '.join(sch['enum'])})"
                + _suggest(key, sch["enum"]),
            )
        elif sch.get("title") == "CSV file name":
            self.at_key(path + (key,), f"{where}: {key!r} is not a CSV file name (NAME.csv)")
        elif sch.get("title") == "dotted path":
            self.at_key(path + (key,), f"{where}: {key!r} is not a dotted path (a.b.c)")
        else:
            self.at_key(path + (key,), f"{where}: {key!r} is not an allowed name")
        return True


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8-sig") as fh:
        return fh.read()


def load(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario file (YAML or JSON).

    Raises :class:`~sdssim.errors.ScenarioError` listing every problem, or
    ``OSError``/``UnicodeDecodeError`` when the file cannot be read.
    """
    name = os.fspath(path)
    return load_string(_read_text(name), name)


def validate(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem of a scenario file (empty when it is valid); nothing runs."""
    try:
        load(path)
    except ScenarioError as exc:
        return exc.problems
    return []


def load_string(text: str, file: str = "<scenario>") -> Scenario:
    """Load a scenario from text; ``file`` names it in problems and anchors ``folder``."""
    data, locs, problems = load_text(text, file)
    checker = _Checker(file, locs)
    checker.problems.extend(problems)
    if data is None and not problems:
        checker.at_value((), "the file is empty: a scenario needs at least a name and a timeline")
    elif data is not None and not isinstance(data, dict):
        checker.at_value((), f"a scenario is a mapping of fields, not {_jtype(data)}")
    scenario = None
    if isinstance(data, dict):
        bad = checker.schema_errors(data)
        # Meaning is checked too, on every part the schema found sound, so one
        # validation reports all the problems of the file.
        scenario = _Semantics(checker, data, Path(file), bad).build()
    if checker.problems or scenario is None:
        raise ScenarioError(_sorted(checker.problems))
    return scenario


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.line, p.column, p.message))


class _Semantics:
    """Pass 3: meaning, on every part of the document that fits the schema."""

    def __init__(self, checker: _Checker, data: dict[str, Any], file: Path,
                 bad: set[YPath]) -> None:
        self.c = checker
        self.data = data
        self.file = file
        self.bad_paths = bad
        self.profile_keys: dict[str, dict[str, Any]] = {}
        self.job_keys: dict[str, dict[str, Any]] = {}
        self.created: set[tuple[str, str]] = set()

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

    def build(self) -> Scenario | None:
        d = self.data
        start = pendulum.parse(DEFAULT_START)
        if "start" in d and not self.bad(("start",)):
            try:
                if str(d["start"]).strip().startswith("+"):
                    raise ValueError("the start time must be absolute, e.g. " + DEFAULT_START)
                start = parse_time(d["start"], start)
            except ValueError as exc:
                self.c.at_value(("start",), f"start: {exc}")
        config = self._config(d.get("config") or {}) if not self.bad(("config",)) else {}
        profiles: list[ProfileSpec | None] = []
        for i, spec in self._items("profiles"):
            if self.bad(("profiles", i)):
                self._register("profile", spec)
            else:
                profiles.append(self._profile(i, spec))
        jobs: list[JobSpec | None] = []
        for i, spec in self._items("jobs"):
            if self.bad(("jobs", i)):
                self._register("job", spec)
            else:
                jobs.append(self._job(i, spec))
        timeline = self._timeline(self._items("timeline"), start)
        end = None
        if "end" in d and not self.bad(("end",)):
            last = max((e.time for e in timeline if e is not None), default=start)
            try:
                end = parse_time(d["end"], last)
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
            jobs=tuple(j for j in jobs if j is not None),
            timeline=tuple(e for e in timeline if e is not None),
        )

    # --- config ------------------------------------------------------------------

    def _config(self, config: dict[str, Any]) -> dict[str, Any]:
        try:
            import attrs

            from sdssim.engine import SimConfig
        except ImportError:  # pragma: no cover - the engine ships with the package
            return dict(config)
        fields = {f.name for f in attrs.fields(SimConfig)}
        good = {}
        for key, value in config.items():
            if key not in fields:
                self.c.at_key(("config", key),
                              f"config: unknown setting {key!r}{_suggest(key, sorted(fields))}")
                continue
            try:
                SimConfig(**{key: value})
            except (TypeError, ValueError) as exc:
                self.c.at_value(("config", key), f"config.{key}: {exc}")
                continue
            good[key] = value
        return good

    # --- profiles ----------------------------------------------------------------

    def _profile(self, index: int, spec: dict[str, Any]) -> ProfileSpec | None:
        path: YPath = ("profiles", index)
        key = spec["key"]
        if key in self.profile_keys:
            self.c.at_value(path + ("key",), f"profiles[{index}].key: duplicate profile key {key!r}")
            return None
        self.profile_keys[key] = spec
        body = spec.get("body")
        if body is None:
            body = {
                "displayName": key,
                "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
                "identitySynchronizationConfiguration": {
                    "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
                    "userDomains": [
                        {"appliesTo": "student", "name": "contoso.edu"},
                        {"appliesTo": "teacher", "name": "contoso.edu"},
                    ],
                },
                "licensesToAssign": [],
            }
        elif self._model_check(body, path + ("body",), "profile"):
            self._engine_check(path + ("body",), lambda sim: sim.create_profile(body))
        csv_spec = None
        if "csv" in spec:
            csv_spec = self._csv(spec["csv"], path + ("csv",))
        create = spec.get("create", True)
        if create:
            self.created.add(("profile", key))
        return ProfileSpec(key=key, body=body, csv=csv_spec, create=create,
                           line=self.c.locs.value(path)[0])

    def _model_check(self, body: dict[str, Any], path: YPath, kind: str) -> bool:
        """Does ``body`` fit the Graph resource?  Problems point into the body."""
        from sdssim.models import EducationSynchronizationProfile, SynchronizationJob

        cls = EducationSynchronizationProfile if kind == "profile" else SynchronizationJob
        try:
            cls.from_json(body)
        except ModelError as exc:
            sub = _model_path(exc.path)
            self.c.at_value(path + sub, f"{_describe(path + sub)}: {exc.message}")
            return False
        except (TypeError, ValueError) as exc:
            self.c.at_value(path, f"{_describe(path)}: {exc}")
            return False
        return True

    def _engine_check(self, path: YPath, call: Any) -> None:
        """Would the engine accept this call on a fresh simulation?  (Graph's 400 rules.)"""
        sim_cls = _simulation_class()
        if sim_cls is None:  # pragma: no cover - the engine ships with the package
            return
        try:
            call(sim_cls())
        except GraphError as exc:
            self.c.at_value(path, f"{_describe(path)}: the service would refuse it: "
                            f"{exc.status} {exc.code}: {exc.message}")

    def _csv(self, spec: dict[str, Any], path: YPath) -> CsvSpec:
        folder_files: dict[str, str] = {}
        if "folder" in spec:
            folder = self.file.resolve().parent / spec["folder"]
            if not folder.is_dir():
                self.c.at_value(path + ("folder",),
                                f"csv.folder: no folder {spec['folder']!r} next to the scenario")
            else:
                found = sorted(p for p in folder.iterdir()
                               if p.is_file() and p.suffix.lower() == ".csv")
                if not found:
                    self.c.at_value(path + ("folder",),
                                    f"csv.folder: {spec['folder']!r} holds no .csv files")
                for file in found:
                    try:
                        folder_files[file.name] = _read_text(str(file))
                    except (OSError, UnicodeDecodeError) as exc:
                        self.c.at_value(path + ("folder",),
                                        f"csv.folder: cannot read {file.name}: {exc}")
        generate = spec.get("generate")
        if generate is not None:
            self._generate(generate, path + ("generate",))
        return CsvSpec(generate=generate, folder_files=folder_files, files=dict(spec.get("files", {})))

    def _generate(self, spec: dict[str, Any], path: YPath) -> None:
        rows = csvgen.row_counts(spec)
        if rows["Section.csv"] == 0 and spec.get("students", 0) and spec.get("sections") is None:
            pass  # students without sections: no enrollments, which is allowed
        used: dict[str, int] = dict.fromkeys(csvgen.FILES, 0)
        for kind, files in (spec.get("defects") or {}).items():
            for file, value in files.items():
                where = path + ("defects", kind, file)
                label = f"defects.{kind}.{file}"
                column = csvgen.defect_column(kind, file, value)
                count = csvgen.defect_count(value)
                columns = csvgen.FILES[file]
                if column is None:
                    self.c.at_value(where, f"{label}: {file} has no column for {kind} defects")
                    continue
                col_at = where + ("column",) if isinstance(value, dict) and "column" in value \
                    else where
                count_at = where + ("count",) if isinstance(value, dict) else where
                if column not in columns:
                    self.c.at_value(col_at, f"{label}: {column!r} is not a column of {file} "
                                    f"({', '.join(columns)}){_suggest(column, columns)}")
                    continue
                allowed = {
                    "dangling": csvgen.REFERENCE_COLUMNS[file],
                    "duplicates": csvgen.UNIQUE_COLUMNS[file],
                    "bad_format": tuple(c for c in columns if c in csvgen.FORMAT_COLUMNS),
                }.get(kind)
                if allowed is not None and column not in allowed:
                    which = ", ".join(allowed) or "none"
                    self.c.at_value(col_at, f"{label}: column {column!r} cannot have {kind} "
                                    f"defects (columns that can: {which})")
                    continue
                available = rows[file] - (1 if kind == "duplicates" else 0)
                used[file] += count
                if count > available or used[file] > rows[file]:
                    self.c.at_value(count_at, f"{label}: {count:,} defective rows asked for, but "
                                    f"{file} has {rows[file]:,} rows to spare")

    # --- jobs --------------------------------------------------------------------

    def _job(self, index: int, spec: dict[str, Any]) -> JobSpec | None:
        path: YPath = ("jobs", index)
        key = spec["key"]
        if key in self.job_keys:
            self.c.at_value(path + ("key",), f"jobs[{index}].key: duplicate job key {key!r}")
            return None
        self.job_keys[key] = spec
        body = spec.get("body", {"templateId": key})
        body_ok = "body" not in spec or self._model_check(body, path + ("body",), "job")
        schedule = spec.get("schedule")
        if schedule:
            if "interval" in schedule:
                try:
                    parse_duration(schedule["interval"])
                except ValueError as exc:
                    self.c.at_value(path + ("schedule", "interval"), f"schedule.interval: {exc}")
            if "expiration" in schedule:
                try:
                    parse_timestamp(schedule["expiration"])
                except ValueError as exc:
                    self.c.at_value(path + ("schedule", "expiration"), f"schedule.expiration: {exc}")
        settings = {name: _setting_text(v) for name, v in (spec.get("settings") or {}).items()}
        create = spec.get("create", True)
        if create:
            self.created.add(("job", key))
        job = JobSpec(
            key=key,
            service_principal=spec.get("service_principal", f"sp-{key}"),
            body=body,
            objects=spec.get("objects"),
            settings=settings,
            schedule=dict(schedule) if schedule else None,
            create=create,
            line=self.c.locs.value(path)[0],
        )
        if body_ok:
            before = len(self.c.problems)
            self._engine_check(path + ("body",), lambda sim: sim.create_job(
                job.service_principal, body, objects=job.objects))
            patch = job.patch_body()
            if patch is not None and len(self.c.problems) == before:
                def patched(sim: Any) -> None:
                    made = sim.create_job(job.service_principal, body, objects=job.objects)
                    sim.update_job(job.service_principal, made.id, patch)

                where = ("settings",) if "settings" in spec else ("schedule",)
                self._engine_check(path + where, patched)
        return job

    # --- timeline ----------------------------------------------------------------

    def _timeline(self, entries: list[tuple[int, Any]], start: pendulum.DateTime
                  ) -> list[Entry | None]:
        out: list[Entry | None] = []
        previous = start
        for index, entry in entries:
            path: YPath = ("timeline", index)
            if not isinstance(entry, dict) or not isinstance(entry.get("at"), str) \
                    or self.bad(path + ("at",)):
                continue
            try:
                when = parse_time(entry["at"], previous)
            except ValueError as exc:
                self.c.at_value(path + ("at",), f"timeline[{index}].at: {exc}")
                when = previous  # check the rest of the entry all the same
            if when < start:
                self.c.at_value(path + ("at",), f"timeline[{index}].at: {entry['at']} is before "
                                f"the scenario start {_fmt(start)}")
            elif when < previous:
                self.c.at_value(path + ("at",), f"timeline[{index}].at: {entry['at']} is before "
                                f"the previous entry ({_fmt(previous)}); entries run in order")
            else:
                previous = when
            if self.bad(path):  # the schema reported it; only its time counted
                continue
            line, col = self.c.locs.value(path)
            note = entry.get("note")
            if "action" in entry:
                out.append(self._action(entry, path, when, line, col, note))
            elif "fault" in entry:
                out.append(self._fault(entry, path, when, line, col, note))
            else:
                out.append(self._expect(entry["expect"], path, when, line, col, note))
        return out

    def _subject(self, entry: dict[str, Any], path: YPath, want: str | None, what: str) -> bool:
        ok = True
        for kind, keys in (("profile", self.profile_keys), ("job", self.job_keys)):
            if kind not in entry:
                continue
            key = entry[kind]
            if want is not None and kind != want:
                self.c.at_key(path + (kind,), f"{what} takes a {want}, not a {kind}")
                ok = False
            elif key not in keys:
                known = ", ".join(sorted(keys)) or "none declared"
                self.c.at_value(path + (kind,), f"unknown {kind} {key!r}{_suggest(key, keys)}"
                                f" (known {kind}s: {known})")
                ok = False
        if want is not None and want not in entry and ok:
            self.c.at_value(path, f"{what} needs a {want} (a key from {want}s)")
            ok = False
        return ok

    def _creation(self, action: str, key: str, kind: str, path: YPath) -> bool:
        """Subjects declared with ``create: false`` exist only after their create action."""
        created = (kind, key) in self.created
        if action == f"create_{kind}":
            if created:
                self.c.at_value(path + ("action",), f"{kind} {key!r} is already created "
                                f"(declare it with create: false to create it in the timeline)")
                return False
            self.created.add((kind, key))
            return True
        if not created:
            self.c.at_value(path + (kind,), f"{kind} {key!r} is not created yet (it is declared "
                            f"with create: false; add a create_{kind} action before this one)")
            return False
        return True

    def _action(self, entry: dict[str, Any], path: YPath, when: pendulum.DateTime,
                line: int, col: int, note: str | None) -> ActionEntry | None:
        name = entry["action"]
        extras_all = ("body", "files", "reset_scope")
        if name in ACTIONS:
            want, extras = ACTIONS[name]
        else:
            sim_cls = _simulation_class()
            member = getattr(sim_cls, name, None) if sim_cls is not None else None
            if name.startswith("_") or name in NOT_ACTIONS or not callable(member):
                hint = _suggest(name, list(ACTIONS))
                why = {
                    "advance": " (time moves with 'at')", "run_until": " (time moves with 'at')",
                    "add_fault": " (use a 'fault' entry)",
                }.get(name, "")
                self.c.at_value(path + ("action",),
                                f"action: {name!r} is not a Simulation method{why}{hint}")
                return None
            want, extras = None, ()
        ok = True
        if want is not None or "profile" in entry or "job" in entry:
            ok = self._subject(entry, path, want, f"action {name!r}")
        for field in extras_all:
            if field in entry and field not in extras:
                self.c.at_key(path + (field,), f"action {name!r} does not take {field!r}")
                ok = False
        if name in ("update_job", "create_error") and "body" not in entry:
            self.c.at_value(path, f"action {name!r} needs a body")
            ok = False
        if ok and want is not None:
            ok = self._creation(name, entry[want], want, path)
        if "body" in entry and name in ("update_job",):
            self._model_check(entry["body"], path + ("body",), "job")
        if name == "create_profile" and "body" in entry:
            self._model_check(entry["body"], path + ("body",), "profile")
        if name == "upload_files" and "files" not in entry and ok:
            spec = self.profile_keys.get(entry.get("profile"), {})
            if "csv" not in spec:
                self.c.at_value(path, f"action 'upload_files': profile {entry.get('profile')!r} "
                                "declares no csv, so the entry needs files")
                ok = False
        kwargs: dict[str, Any] = {}
        if "reset_scope" in entry:
            from sdssim.models import parse_reset_scope

            try:
                parse_reset_scope(entry["reset_scope"])
            except ModelError as exc:
                self.c.at_value(path + ("reset_scope",), f"reset_scope: {exc.message}")
                ok = False
            kwargs["reset_scope"] = entry["reset_scope"]
        if "expect_messages" in entry and name != "start_profile":
            self.c.at_key(path + ("expect_messages",),
                          "expect_messages applies to start_profile only")
            ok = False
        if isinstance(entry.get("expect_error"), int) and not 400 <= entry["expect_error"] <= 599:
            ok = False  # the schema reported it
        for field in ("body", "files"):
            if field in entry:
                kwargs[field] = entry[field]
        kwargs.update(entry.get("kwargs") or {})
        if not ok:
            return None
        return ActionEntry(
            time=when, line=line, column=col, note=note, name=name,
            profile=entry.get("profile"), job=entry.get("job"), kwargs=kwargs,
            args=tuple(entry.get("args") or ()), expect_error=entry.get("expect_error"),
            expect_messages=entry.get("expect_messages"),
        )

    def _fault(self, entry: dict[str, Any], path: YPath, when: pendulum.DateTime,
               line: int, col: int, note: str | None) -> FaultEntry | None:
        kind = entry["fault"]
        ok = self._subject(entry, path, None, f"fault {kind!r}")
        for subject in ("profile", "job"):
            if ok and subject in entry:
                ok = self._creation("fault", entry[subject], subject, path)
        job_only = {"credential_failure", "endpoint_down", "mass_deletes"}
        profile_only = {"provisioning_failure", "deletion_failure"}
        if "profile" in entry and kind in job_only:
            self.c.at_key(path + ("profile",), f"fault {kind!r} applies to jobs, not profiles")
            ok = False
        if "job" in entry and kind in profile_only:
            self.c.at_key(path + ("job",), f"fault {kind!r} applies to profiles, not jobs")
            ok = False
        if kind == "throttle" and ("job" in entry or "profile" in entry):
            self.c.at_value(path + ("fault",), "fault 'throttle' applies to API calls and takes "
                            "no profile or job")
            ok = False
        duration = None
        if "duration" in entry:
            try:
                duration = parse_duration(entry["duration"])
                if duration.total_seconds() <= 0:
                    raise ValueError("a fault's duration must be positive")
            except ValueError as exc:
                self.c.at_value(path + ("duration",), f"duration: {exc}")
                ok = False
        params = dict(entry.get("params") or {})
        try:
            from sdssim.engine.faults import check_params
        except ImportError:  # pragma: no cover - the engine ships with the package
            check_params = None
        if check_params is not None:
            try:
                check_params(kind, params)
            except ValueError as exc:
                message = getattr(exc, "message", str(exc))
                bad = next((k for k in params if repr(k) in message), None)
                where = path + ("params", bad) if bad is not None else path + ("params",)
                self.c.at_value(where if "params" in entry else path + ("fault",),
                                f"params: {message}")
                ok = False
        if not ok:
            return None
        return FaultEntry(time=when, line=line, column=col, note=note, kind=kind,
                          profile=entry.get("profile"), job=entry.get("job"),
                          duration=duration, params=params)

    def _expect(self, spec: dict[str, Any], path: YPath, when: pendulum.DateTime,
                line: int, col: int, note: str | None) -> ExpectEntry | None:
        epath = path + ("expect",)
        kinds = [k for k in ("profile", "job") if k in spec]
        if len(kinds) != 1:
            self.c.at_value(epath, "expect: name exactly one subject: profile or job")
            return None
        kind = kinds[0]
        if not self._subject(spec, epath, kind, "expect"):
            return None
        allowed = PROFILE_CHECKS if kind == "profile" else JOB_CHECKS
        checks: list[Check] = []
        ok = True
        for name in CHECK_ORDER:
            if name not in spec:
                continue
            if name not in allowed:
                other = "job" if kind == "profile" else "profile"
                self.c.at_key(epath + (name,), f"expect: {name!r} is a {other} check, "
                              f"not a {kind} check")
                ok = False
                continue
            if name == "json":
                for jpath, value in spec["json"].items():
                    ln, cl = self.c.locs.key(epath + ("json", jpath))
                    checks.append(Check(f"json:{jpath}", value, ln, cl))
                continue
            if name == "errors_by_code":
                for code, value in spec[name].items():
                    ln, cl = self.c.locs.key(epath + (name, code))
                    checks.append(Check(f"errors_by_code:{code}", value, ln, cl))
                continue
            ln, cl = self.c.locs.key(epath + (name,))
            checks.append(Check(name, spec[name], ln, cl))
        if not ok:
            return None
        ok = self._possible(spec, epath, kind)
        if not ok:
            return None
        return ExpectEntry(time=when, line=line, column=col, note=note, subject_kind=kind,
                           key=spec[kind], checks=tuple(checks))

    def _possible(self, spec: dict[str, Any], path: YPath, kind: str) -> bool:
        """Reject combinations no subject can ever be in."""
        problems_before = len(self.c.problems)
        checks = [k for k in spec if k not in ("profile", "job", "exists")]
        if spec.get("exists") is False and checks:
            self.c.at_key(path + (checks[0],), f"expect: a {kind} that does not exist has no "
                          f"{checks[0]}; drop it or expect exists: true")
        code = spec.get("job_code")
        reason_given = "quarantine_reason" in spec
        reason = spec.get("quarantine_reason")
        if code is not None and reason_given:
            if code == "Quarantine" and reason is None:
                self.c.at_key(path + ("quarantine_reason",), "expect: a job in Quarantine always "
                              "has a quarantine reason")
            if code != "Quarantine" and reason is not None:
                self.c.at_key(path + ("quarantine_reason",), f"expect: a job whose code is {code} "
                              "is not quarantined, so it has no quarantine reason")
        series = spec.get("quarantine_series_count")
        if series and code is not None and code != "Quarantine":
            self.c.at_key(path + ("quarantine_series_count",), f"expect: a job whose code is "
                          f"{code} has no quarantine series")
        if series and reason_given and reason is None:
            self.c.at_key(path + ("quarantine_series_count",), "expect: no quarantine reason "
                          "means no quarantine series")
        state = spec.get("profile_state")
        status = spec.get("sync_status")
        if state in ("provisioning", "provisioningFailed") and status in _RUNNING_STATUSES:
            self.c.at_key(path + ("sync_status",), f"expect: a profile in state {state} never "
                          f"synchronizes, so its sync status cannot be {status}")
        count = spec.get("error_count")
        by_code = spec.get("errors_by_code") or {}
        if count is not None and sum(by_code.values()) > count:
            self.c.at_key(path + ("errors_by_code",), f"expect: errors_by_code adds up to "
                          f"{sum(by_code.values()):,}, more than error_count {count:,}")
        return len(self.c.problems) == problems_before


def _setting_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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


def _fmt(when: _dt.datetime) -> str:
    from sdssim.clock import format_timestamp

    return format_timestamp(when)


def _simulation_class() -> type | None:
    try:
        from sdssim.engine import Simulation
    except ImportError:  # pragma: no cover - the engine ships with the package
        return None
    return Simulation
