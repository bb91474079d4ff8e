"""Running a scenario against a :class:`~sdssim.engine.Simulation`.

The runner creates the declared profiles and jobs at the start time, then
for each timeline entry runs the simulation up to the entry's time and
performs it: an action calls the Simulation method, a fault is added, an
expectation is checked.  Nothing random happens here; the simulation's seed
drives everything, so the same scenario and seed give the same records.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pendulum

from sdssim.clock import format_timestamp, parse_timestamp
from sdssim.errors import GraphError

from .model import ActionEntry, Check, Entry, ExpectEntry, FaultEntry, Scenario

__all__ = ["RunResult", "Failure", "CheckResult", "LogLine", "run", "MISSING"]

#: Progress callback: (virtual seconds done, virtual seconds in all).
Progress = Callable[[float, float], None]

#: Slices of virtual time a run is cut into (the same with or without a progress bar).
_SLICES = 200


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"

    def __str__(self) -> str:
        return "<missing>"


#: The actual value of a JSON path that does not exist, or of a deleted subject's field.
MISSING = _Missing()


@dataclass(frozen=True)
class Failure:
    """An expectation (or an action's outcome) that did not hold."""

    file: str
    line: int
    column: int
    time: pendulum.DateTime
    subject: str
    field: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return (f"{self.file}:{self.line}:{self.column}: {format_timestamp(self.time)} "
                f"{self.subject} {self.field}: expected {_show(self.expected)}, "
                f"got {_show(self.actual)}")


@dataclass(frozen=True)
class CheckResult:
    """One evaluated expectation (or expected action outcome), passed or not."""

    time: pendulum.DateTime
    subject: str  # engine subject, "profile/<id>" or "job/<id>" ("" for none)
    label: str  # as the scenario names it, "profile north-high"
    field: str
    expected: Any
    actual: Any
    passed: bool
    line: int
    column: int

    def to_json(self) -> dict[str, Any]:
        """The ``expectations.json`` item: time, subject, field, expected, actual, passed."""
        return {
            "time": format_timestamp(self.time),
            "subject": self.subject,
            "label": self.label,
            "field": self.field,
            "expected": _plain(self.expected),
            "actual": _plain(self.actual),
            "passed": self.passed,
            "line": self.line,
            "column": self.column,
        }


def _plain(value: Any) -> Any:
    return None if value is MISSING else value


@dataclass(frozen=True)
class LogLine:
    """What the runner did at one time: an action, a fault or a check."""

    time: pendulum.DateTime
    kind: str  # "action", "fault", "check"
    subject: str
    text: str
    ok: bool = True
    note: str | None = None
    #: how many records the simulation had made before this entry was performed
    seq: int = 0


@dataclass
class RunResult:
    """The outcome of :func:`run`."""

    scenario: Scenario
    sim: Any
    seed: int
    until: pendulum.DateTime | None
    failures: list[Failure] = field(default_factory=list)
    #: every evaluated check, in order (``expectations.json``)
    checks: list[CheckResult] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)
    checks_passed: int = 0
    checks_skipped: int = 0
    #: engine subject ("profile/<id>", "job/<id>") -> scenario label ("profile north-high")
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def checks_failed(self) -> int:
        return len(self.failures)

    def label(self, subject: str) -> str:
        """``profile/<id>`` as the scenario names it (``profile north-high``)."""
        return self.labels.get(subject, subject.replace("/", " ", 1))


def _show(value: Any) -> str:
    """A value as a scenario would write it: ``'text'``, ``12``, ``true``, ``null``."""
    if value is MISSING:
        return "<missing>"
    if isinstance(value, str):
        return repr(value)
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return str(value)


def run(scenario: Scenario, seed: int | None = None, until: object = None,
        progress: Progress | None = None) -> RunResult:
    """Run ``scenario`` and check its expectations.

    ``seed`` overrides the scenario's seed; ``until`` (absolute, or ``+duration``
    relative to the start) stops the run early: entries after it are not
    performed and their expectations are counted in ``checks_skipped``.
    """
    from .loader import parse_time

    stop = parse_time(until, scenario.start) if isinstance(until, str) else (
        parse_timestamp(until) if until is not None else None)
    if stop is not None and stop < scenario.start:
        raise ValueError(f"--until {format_timestamp(stop)} is before the scenario start "
                         f"{format_timestamp(scenario.start)}")
    return _Runner(scenario, scenario.seed if seed is None else seed, stop, progress).run()


class _Runner:
    def __init__(self, scenario: Scenario, seed: int, stop: pendulum.DateTime | None,
                 progress: Progress | None) -> None:
        from sdssim.engine import SimConfig, Simulation

        self.scenario = scenario
        self.seed = seed
        self.stop = stop
        self.progress = progress
        self.sim = Simulation(seed=seed, start=scenario.start, config=SimConfig(**scenario.config))
        self.result = RunResult(scenario=scenario, sim=self.sim, seed=seed, until=stop)
        self.profile_ids: dict[str, str] = {}
        self.job_ids: dict[str, tuple[str, str]] = {}
        end = scenario.last_time
        if stop is not None:
            end = stop
        self.end = end
        self.span = max((end - scenario.start).total_seconds(), 0.0)
        self.seq_before = 0

    # -- time ---------------------------------------------------------------------------
    def advance_to(self, when: pendulum.DateTime) -> None:
        """Run up to ``when`` in fixed slices of the whole run (progress reports between)."""
        start = self.scenario.start
        if self.span > 0:
            step = self.span / _SLICES
            done = (self.sim.now - start).total_seconds()
            target = (when - start).total_seconds()
            k = int(done // step) + 1
            while k * step < target:
                self.sim.run_until(start + _dt.timedelta(seconds=k * step))
                self._report()
                k += 1
        # Always run: events due *now* (a cycle an action began at this very time) happen
        # before the entry, so "+0m" sees the immediate consequences of the entry before it.
        self.sim.run_until(when)
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            done = (self.sim.now - self.scenario.start).total_seconds()
            self.progress(min(done, self.span), self.span)

    # -- the run ----------------------------------------------------------------------------
    def run(self) -> RunResult:
        sc = self.scenario
        for spec in sc.profiles:
            if spec.create:
                self._mark()
                self._create_profile(spec.key, spec.body, sc.start)
        for spec in sc.jobs:
            if spec.create:
                self._mark()
                self._create_job(spec.key, None, sc.start)
        for entry in sc.timeline:
            if self.stop is not None and entry.time > self.stop:
                if isinstance(entry, ExpectEntry):
                    self.result.checks_skipped += len(entry.checks)
                elif isinstance(entry, ActionEntry) and (entry.expect_error is not None
                                                         or entry.expect_messages):
                    self.result.checks_skipped += 1
                continue
            self.advance_to(entry.time)
            self._mark()
            if isinstance(entry, ActionEntry):
                self._action(entry)
            elif isinstance(entry, FaultEntry):
                self._fault(entry)
            elif isinstance(entry, ExpectEntry):
                self._expect(entry)
        self.advance_to(self.end)
        return self.result

    # -- creation ---------------------------------------------------------------------------
    def _create_profile(self, key: str, body: dict[str, Any], when: pendulum.DateTime) -> None:
        profile = self.sim.create_profile(body)
        self.profile_ids[key] = profile.id
        self.result.labels[f"profile/{profile.id}"] = f"profile {key}"
        self._log(when, "action", f"profile {key}", f"create_profile → id {profile.id}")

    def _create_job(self, key: str, body: dict[str, Any] | None, when: pendulum.DateTime) -> None:
        spec = self.scenario.job(key)
        job = self.sim.create_job(spec.service_principal, body if body is not None else spec.body,
                                  objects=spec.objects)
        self.job_ids[key] = (spec.service_principal, job.id)
        self.result.labels[f"job/{job.id}"] = f"job {key}"
        self._log(when, "action", f"job {key}", f"create_job → id {job.id}")
        patch = spec.patch_body()
        if patch is not None:
            self.sim.update_job(spec.service_principal, job.id, patch)
            self._log(when, "action", f"job {key}", "update_job (settings and schedule)")

    def _log(self, when: pendulum.DateTime, kind: str, subject: str, text: str,
             ok: bool = True, note: str | None = None) -> None:
        self.result.log.append(LogLine(when, kind, subject, text, ok, note, self.seq_before))

    def _mark(self) -> None:
        """Remember how many records exist before an entry acts (to order the summary)."""
        sim = self.sim
        self.seq_before = len(sim.events) + len(sim.snapshots) + len(sim.errors)

    def _engine_subject(self, label: str) -> str:
        kind, _, key = label.partition(" ")
        if kind == "profile" and key in self.profile_ids:
            return f"profile/{self.profile_ids[key]}"
        if kind == "job" and key in self.job_ids:
            return f"job/{self.job_ids[key][1]}"
        return ""

    def _check(self, where: Entry | Check, label: str, what: str, expected: Any, actual: Any,
               passed: bool) -> None:
        """Record one evaluated check; a failed one is also a :class:`Failure`."""
        now = self.sim.now
        self.result.checks.append(CheckResult(
            now, self._engine_subject(label), label, what, expected, actual, passed,
            where.line, where.column))
        if passed:
            self.result.checks_passed += 1
        else:
            self.result.failures.append(Failure(
                self.scenario.path, where.line, where.column, now, label, what, expected,
                actual))

    def _fail(self, entry: Entry | Check, subject: str, what: str, expected: Any,
              actual: Any) -> None:
        self._check(entry, subject, what, expected, actual, False)

    # -- actions ---------------------------------------------------------------------------
    def _action(self, entry: ActionEntry) -> None:
        sim = self.sim
        name = entry.name
        subject = (f"profile {entry.profile}" if entry.profile else
                   f"job {entry.job}" if entry.job else "simulation")
        kwargs = dict(entry.kwargs)
        args: list[Any] = []
        if name == "create_profile":
            spec = self.scenario.profile(entry.profile)
            call = lambda: self._create_profile(  # noqa: E731
                entry.profile, kwargs.get("body", spec.body), sim.now)
        elif name == "create_job":
            call = lambda: self._create_job(entry.job, kwargs.get("body"), sim.now)  # noqa: E731
        else:
            if entry.profile is not None:
                args.append(self.profile_ids[entry.profile])
            elif entry.job is not None:
                sp, jid = self.job_ids[entry.job]
                args.extend([sp] if name == "list_jobs" else [sp, jid])
            args.extend(entry.args)
            if name == "upload_files":
                if "files" not in kwargs:
                    spec = self.scenario.profile(entry.profile)
                    assert spec.csv is not None
                    kwargs["files"] = spec.csv.resolve(self.seed)
                method = getattr(sim, name)

                def call() -> Any:
                    sim.get_upload_url(args[0])
                    return method(*args, **kwargs)
            else:
                method = getattr(sim, name)
                call = lambda: method(*args, **kwargs)  # noqa: E731
        messages = None
        creating = name in ("create_profile", "create_job")
        try:
            result = call()
        except GraphError as exc:
            messages = getattr(exc, "messages", None)
            refused = f"{exc.status} {exc.code}"
            if entry.expect_error is not None and entry.expect_error in (exc.status, exc.code):
                self._check(entry, subject, name, f"error {entry.expect_error}", refused, True)
                self._log(sim.now, "action", subject, f"{name} refused as expected: {refused}: "
                          f"{exc.message}", note=entry.note)
            else:
                self._fail(entry, subject, name,
                           f"error {entry.expect_error}" if entry.expect_error is not None
                           else "success", f"{refused}: {exc.message}")
                self._log(sim.now, "action", subject, f"{name} refused: {refused}: {exc.message}",
                          ok=False, note=entry.note)
        except Exception as exc:  # a bad argument in a generic call: report, do not crash
            self._fail(entry, subject, name, "success", f"{type(exc).__name__}: {exc}")
            self._log(sim.now, "action", subject, f"{name} raised {type(exc).__name__}: {exc}",
                      ok=False, note=entry.note)
        else:
            if name == "start_profile":
                messages = result
            text = name + _outcome(name, result, kwargs)
            if entry.expect_error is not None:
                self._fail(entry, subject, name, f"error {entry.expect_error}", "success")
                self._log(sim.now, "action", subject, text, ok=False, note=entry.note)
            elif not creating:  # creation logs itself, with the new id
                self._log(sim.now, "action", subject, text, note=entry.note)
        if entry.expect_messages is not None:
            counts = {"Error": 0, "Warning": 0}
            for m in messages or ():
                kind = getattr(getattr(m, "type", None), "value", None)
                if kind in counts:
                    counts[kind] += 1
            for kind, want in entry.expect_messages.items():
                self._check(entry, subject, f"{kind} messages", want, counts[kind],
                            counts[kind] == want)

    # -- faults ----------------------------------------------------------------------------
    def _fault(self, entry: FaultEntry) -> None:
        target = None
        label = "every subject"
        if entry.profile is not None:
            target = f"profile/{self.profile_ids[entry.profile]}"
            label = f"profile {entry.profile}"
        elif entry.job is not None:
            target = f"job/{self.job_ids[entry.job][1]}"
            label = f"job {entry.job}"
        duration = entry.duration
        try:
            self.sim.add_fault(entry.kind, duration=duration, target=target, **entry.params)
        except GraphError as exc:  # the engine refused the fault: report, do not crash
            self._fail(entry, label, f"fault {entry.kind}", "accepted",
                       f"{exc.status} {exc.code}: {exc.message}")
            self._log(self.sim.now, "fault", label, f"fault {entry.kind} refused: {exc.message}",
                      ok=False, note=entry.note)
            return
        params = ", ".join(f"{k}={v}" for k, v in entry.params.items())
        span = f" for {pendulum.duration(seconds=duration.total_seconds()).in_words()}" \
            if duration else " until the end"
        self._log(self.sim.now, "fault", label,
                  f"fault {entry.kind}{f' ({params})' if params else ''}{span}", note=entry.note)

    # -- expectations ------------------------------------------------------------------------
    def _expect(self, entry: ExpectEntry) -> None:
        label = f"{entry.subject_kind} {entry.key}"
        reader = _Reader(self, entry)
        for check in entry.checks:
            actual = reader.value(check.name)
            if _matches(check.expected, actual):
                self._check(check, label, _field(check.name), check.expected, actual, True)
                self._log(self.sim.now, "check", label,
                          f"{_field(check.name)} = {_show(actual)}", note=entry.note)
            else:
                self._fail(check, label, _field(check.name), check.expected, actual)
                self._log(self.sim.now, "check", label,
                          f"{_field(check.name)}: expected {_show(check.expected)}, "
                          f"got {_show(actual)}", ok=False, note=entry.note)


def _field(name: str) -> str:
    return name.split(":", 1)[1] if name.startswith("json:") else name.replace(":", ".")


def _outcome(name: str, result: Any, kwargs: dict[str, Any]) -> str:
    if name == "start_profile" and isinstance(result, list):
        warnings = sum(1 for m in result if getattr(m.type, "value", None) == "Warning")
        return f" → sync started, {warnings:,} warning(s)" if warnings else " → sync started"
    if name == "upload_files":
        return f" ({len(kwargs.get('files', {})):,} files)"
    if name == "restart_job":
        return f" (resetScope {kwargs.get('reset_scope', 'Watermark, Escrows')!r})"
    if isinstance(result, list):
        return f" → {len(result):,} item(s)"
    return ""


def _matches(expected: Any, actual: Any) -> bool:
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
    """Call a Simulation read method without consuming a ``throttle`` fault's requests."""
    method = getattr(type(sim), name)
    inner = getattr(method, "__wrapped__", None)
    return inner(sim, *args) if inner is not None else method(sim, *args)


class _Reader:
    """Reads one subject's current values for an expectation."""

    def __init__(self, runner: _Runner, entry: ExpectEntry) -> None:
        self.runner = runner
        self.sim = runner.sim
        self.kind = entry.subject_kind
        self.key = entry.key
        self.cache: dict[str, Any] = {}

    def _ids(self) -> tuple[Any, ...] | None:
        if self.kind == "profile":
            pid = self.runner.profile_ids.get(self.key)
            return (pid,) if pid is not None else None
        return self.runner.job_ids.get(self.key)

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
                        subject = f"job/{ids[1]}"
                        self.cache[what] = [r.data.get("code") for r in self.sim.errors
                                            if r.subject == subject]
                elif what == "machines":
                    subject = f"{self.kind}/{ids[-1]}"
                    state = self.sim.state_at(subject, self.sim.now) or {}
                    self.cache[what] = state.get("machines", {})
            except LookupError:
                self.cache[what] = None
        return self.cache[what]

    def value(self, name: str) -> Any:
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
