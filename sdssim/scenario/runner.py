"""Running a scenario against a :class:`~sdssim.engine.Simulation`.

The runner creates the declared profiles and jobs at the start time, then
for each timeline entry runs the simulation up to the entry's time and
performs it: an action calls the Simulation method, a fault is added, an
expectation is checked (values are read and compared in ``evaluate``).
Nothing random happens here; the simulation's seed drives everything, so the
same scenario and seed give the same records.  What a run gives back is
defined in ``results``.

A run can stream its records instead of keeping them (``on_record`` with
``keep_records=False``, as ``sdssim run`` does into its JSON Lines files): the
expectations read current state through ``sim.observe``, and the runner keeps
the little history they need (the error codes of the jobs whose errors are
checked) from the stream.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

import pendulum

from sdssim.clock import US_PER_S, format_timestamp, parse_timestamp, to_us
from sdssim.engine.records import Record
from sdssim.engine.subjects import make_subject
from sdssim.errors import GraphError

from .evaluate import Reader, field_name, matches
from .materialize import Subjects, materialize
from .model import ActionEntry, Check, Entry, ExpectEntry, FaultEntry, Scenario
from .results import CheckResult, Failure, LogLine, RunResult, show
from .streaming import Tap, error_checked
from .times import parse_time

__all__ = ["run"]

#: Progress callback: (virtual seconds done, virtual seconds in all).
Progress = Callable[[float, float], None]

#: Slices of virtual time a run is cut into (the same with or without a progress bar).
_SLICES = 200


def run(scenario: Scenario, seed: int | None = None, until: object = None,
        progress: Progress | None = None, *,
        on_record: Callable[[Record], None] | None = None,
        keep_records: bool = True) -> RunResult:
    """Run ``scenario`` and check its expectations.

    ``seed`` overrides the scenario's seed; ``until`` (absolute, or ``+duration``
    relative to the start) stops the run early: entries after it are not
    performed and their expectations are counted in ``checks_skipped``.
    ``on_record`` receives every record as it is made; with ``keep_records=False``
    the simulation keeps none (``result.sim.events`` etc. stay empty): the same
    checks and the same records, in the memory of the subjects alone.
    """
    stop = parse_time(until, scenario.start) if isinstance(until, str) else (
        parse_timestamp(until) if until is not None else None)
    if stop is not None and stop < scenario.start:
        raise ValueError(f"--until {format_timestamp(stop)} is before the scenario start "
                         f"{format_timestamp(scenario.start)}")
    return _Runner(scenario, scenario.seed if seed is None else seed, stop, progress,
                   on_record=on_record, keep_records=keep_records).run()


class _Runner:
    #: set when the simulation keeps no records (they stream through it); class-level
    #: defaults, so a checkpointed run (which keeps its records) pickles neither
    tap: Tap | None = None
    #: the keys of the jobs whose error records the tap keeps
    error_keys: frozenset[str] = frozenset()
    #: the time of the last log line (shared by the next ones at the same instant)
    _when: pendulum.DateTime | None = None

    def __init__(self, scenario: Scenario, seed: int, stop: pendulum.DateTime | None,
                 progress: Progress | None, *,
                 on_record: Callable[[Record], None] | None = None,
                 keep_records: bool = True) -> None:
        from sdssim.engine import SimConfig, Simulation

        self.scenario = scenario
        self.seed = seed
        self.stop = stop
        self.progress = progress
        config = SimConfig(**scenario.config)
        if keep_records:
            self.sim = Simulation(seed=seed, start=scenario.start, config=config,
                                  on_record=on_record)
        else:
            self.tap = Tap(on_record)
            self.error_keys = error_checked(scenario)
            self.sim = Simulation(seed=seed, start=scenario.start, config=config,
                                  keep_records=False, on_record=self.tap)
        self.result = RunResult(scenario=scenario, sim=self.sim, seed=seed, until=stop)
        self.subjects = Subjects.of(scenario.profiles, scenario.jobs)
        end = scenario.last_time
        if stop is not None:
            end = stop
        self.end = end
        self.span = max((end - scenario.start).total_seconds(), 0.0)
        self.seq_before = 0
        #: the timeline entry being worked on (where a resumed run carries on)
        self.index = 0
        #: called between slices of virtual time (``sdssim run --checkpoint-every``)
        self.on_slice: Callable[[_Runner], None] | None = None

    # -- time ---------------------------------------------------------------------------
    def advance_to(self, when: pendulum.DateTime) -> None:
        """Run up to ``when`` in fixed slices of the whole run (progress reports between)."""
        start = self.scenario.start
        if self.span > 0:
            # seconds since the start as timedelta.total_seconds() gives them, from integers
            start_us = to_us(start)
            step = self.span / _SLICES
            done = (self.sim.now_us - start_us) / US_PER_S
            target = (to_us(when) - start_us) / US_PER_S
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
            done = (self.sim.now_us - to_us(self.scenario.start)) / US_PER_S
            self.progress(min(done, self.span), self.span)
        if self.on_slice is not None:
            self.on_slice(self)

    # -- the run ----------------------------------------------------------------------------
    def run(self, until: pendulum.DateTime | None = None) -> RunResult:
        """Create the declared subjects, then :meth:`carry_on` (to ``until`` when given)."""
        sc = self.scenario
        self.subjects = materialize(sc, self.sim, on_create=self._created,
                                    before_create=self._mark)
        return self.carry_on(until)

    def carry_on(self, until: pendulum.DateTime | None = None) -> RunResult:
        """Perform the timeline from entry ``index`` on (a resumed run starts here).

        With ``until``, stop once every entry due by then is done and time is ``until``
        (a what-if branches there); otherwise run to the end.
        """
        timeline = self.scenario.timeline
        while self.index < len(timeline):
            entry = timeline[self.index]
            if until is not None and entry.time > until:
                self.advance_to(until)
                return self.result
            self._entry(entry)
            self.index += 1
        target = self.end if until is None else until
        if target >= self.sim.now:
            self.advance_to(target)
        return self.result

    def _entry(self, entry: Entry) -> None:
        if self.stop is not None and entry.time > self.stop:
            if isinstance(entry, ExpectEntry):
                self.result.checks_skipped += len(entry.checks)
            elif isinstance(entry, ActionEntry) and (entry.expect_error is not None
                                                     or entry.expect_messages):
                self.result.checks_skipped += 1
            return
        self.advance_to(entry.time)
        self._mark()
        if isinstance(entry, ActionEntry):
            self._action(entry)
        elif isinstance(entry, FaultEntry):
            self._fault(entry)
        elif isinstance(entry, ExpectEntry):
            self._expect(entry)

    # -- creation (declared subjects by ``materialize``, later ones by an action) ----------
    def _created(self, kind: str, key: str, made: Any, patched: bool) -> None:
        when = self.sim.now
        # a job's subject is the engine's string (a second copy would cost 90 bytes a job)
        subject = self.sim.observe.job_subject(self.subjects.jobs[key].sp, made.id) \
            if kind == "job" else make_subject(kind, made.id)
        label = self.result.labels[subject] = f"{kind} {key}"
        if self.tap is not None and kind == "job" and key in self.error_keys:
            self.tap.watch(subject)
        self._log(when, "action", label, f"create_{kind} → id {made.id}")
        if patched:
            self._log(when, "action", label, "update_job (settings and schedule)")

    def _create_profile(self, key: str, body: dict[str, Any] | None) -> None:
        self._created("profile", key, self.subjects.create_profile(self.sim, key, body), False)

    def _create_job(self, key: str, body: dict[str, Any] | None) -> None:
        self._created("job", key, *self.subjects.create_job(self.sim, key, body))

    def _log(self, when: pendulum.DateTime, kind: str, subject: str, text: str,
             ok: bool = True, note: str | None = None) -> None:
        if when == self._when:  # one time object for the many lines of one instant
            when = self._when
        else:
            self._when = when
        self.result.log.append(LogLine(when, kind, subject, text, ok, note, self.seq_before))

    def _label(self, kind: str, key: str) -> str:
        """``job hr-sync``: the label of a created subject is the one string ``labels``
        holds (a run of 100,000 jobs logs two lines for each)."""
        ids = self.subjects.profile_ids if kind == "profile" else self.subjects.job_ids
        made = ids.get(key)
        if made is not None:
            label = self.result.labels.get(make_subject(kind, made if isinstance(made, str)
                                                        else made[1]))
            if label is not None:
                return label
        return f"{kind} {key}"

    def _mark(self) -> None:
        """Remember how many records exist before an entry acts (to order the summary)."""
        if self.tap is not None:
            self.seq_before = self.tap.count
            return
        sim = self.sim
        self.seq_before = len(sim.events) + len(sim.snapshots) + len(sim.errors)

    def _engine_subject(self, label: str) -> str:
        kind, _, key = label.partition(" ")
        known = (key in self.subjects.profile_ids if kind == "profile"
                 else key in self.subjects.job_ids if kind == "job" else False)
        return self.subjects.subject(kind, key) if known else ""

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
        subject = (self._label("profile", entry.profile) if entry.profile else
                   self._label("job", entry.job) if entry.job else "simulation")
        kwargs = dict(entry.kwargs)
        args: list[Any] = []
        if name == "create_profile" and entry.profile is not None:
            key = entry.profile
            call = lambda: self._create_profile(key, kwargs.get("body"))  # noqa: E731
        elif name == "create_job" and entry.job is not None:
            job_key = entry.job
            call = lambda: self._create_job(job_key, kwargs.get("body"))  # noqa: E731
        else:
            if entry.profile is not None:
                args.append(self.subjects.profile_ids[entry.profile])
            elif entry.job is not None:
                sp, jid = self.subjects.job_ids[entry.job]
                args.extend([sp] if name == "list_jobs" else [sp, jid])
            args.extend(entry.args)
            if name == "upload_files":
                if "files" not in kwargs:
                    assert entry.profile is not None  # the loader checked it
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
            target = self.subjects.subject("profile", entry.profile)
            label = f"profile {entry.profile}"
        elif entry.job is not None:
            target = self.subjects.subject("job", entry.job)
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
        tap = self.tap
        reader = Reader(self.sim, entry, self.subjects.profile_ids, self.subjects.job_ids,
                        None if tap is None else lambda subject: tap.codes.get(subject, []))
        for check in entry.checks:
            actual = reader.value(check.name)
            if matches(check.expected, actual):
                self._check(check, label, field_name(check.name), check.expected, actual, True)
                self._log(self.sim.now, "check", label,
                          f"{field_name(check.name)} = {show(actual)}", note=entry.note)
            else:
                self._fail(check, label, field_name(check.name), check.expected, actual)
                self._log(self.sim.now, "check", label,
                          f"{field_name(check.name)}: expected {show(check.expected)}, "
                          f"got {show(actual)}", ok=False, note=entry.note)


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
