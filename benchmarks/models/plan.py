"""The benchmark model: N provisioning jobs over D virtual days, and what goes wrong for each.

The *plan* is data shared by the three implementations (sdssim, SimPy, bare
``heapq``): every job's object count, and for some jobs a credential fault,
an entry-level failure fault, or an administrator's Watermark restart.  It is
derived from the benchmark seed alone, so all three see exactly the same
story; each job's cycle draws come from sdssim's own counter-based stream
(:func:`sdssim.engine.jobs.draw` over :func:`~sdssim.engine.jobs.stream_seed`),
so all three draw exactly the same durations.

The rules (sdssim's ``docs/behaviour.md`` is the specification) that the
SimPy and heapq implementations re-implement:

* every job starts at ``t0``; its first cycle is an *initial* one lasting
  ``entitled * U(0.01, 0.08)`` minutes (draw slot 0 of cycle 1), later
  cycles are incremental, ``U(10, 30)`` minutes (slot 0) over
  ``int(entitled * 0.01 * (0.5 + U))`` units (slot 1); a cycle begins every
  40 minutes after the previous one began, or at once after a longer cycle;
* a credential fault active when a cycle begins fails it at once (zero
  duration): quarantine ``EncounteredQuarantineException``;
* an entry-failure fault (``count`` C) active when a cycle begins makes
  ``min(C, units)`` entries fail; at least 5,000 failures that are more than
  40 % of the units (or more than 40,000) quarantine the job at the end of
  the cycle (escrow thresholds), except in the job's first initial cycle,
  where they prune the escrows and the job pauses for good (escrowsPruned);
  a Watermark restart makes the next cycle a full (initial-style) one
  again, until a full cycle succeeds;
* quarantine: attempts 6 h, 12 h and 24 h after the series began, then every
  24 h; a failed attempt 28 days or more after the series began disables the
  job (no further cycles); a successful attempt lifts the quarantine and the
  schedule resumes (next cycle 40 minutes after the attempt began);
* a restart cancels the running cycle (which still counts as begun) and
  begins a cycle at once.

Every time in the plan after ``t0`` is a whole second plus 0.25 s, 0.5 s or
0.75 s, while cycles begin and end on whole seconds (or, after a restart, on
the restart's half second, with its fault ending on a quarter): no fault
boundary coincides with a cycle begin, so "which happens first at the same
instant" never decides an outcome.  (Faults that begin at ``t0`` are set up
before the jobs start, so the first cycle sees them; a restart's fault is
added just before the restart.)

Outcomes compared: for every job, the number of cycles begun by the end
(inclusive), the number of quarantines entered (healthy → quarantined) and
whether it was disabled.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from dataclasses import dataclass, field

from sdssim.clock import duration_us, parse_timestamp, to_us
from sdssim.engine import SimConfig

__all__ = ["Rules", "JobPlan", "Plan", "Outcome", "make_plan", "make_storm_plan", "START", "US_S", "US_H", "US_D"]

START = "2026-09-01T08:00:00Z"
US_S = 1_000_000
US_H = 3600 * US_S
US_D = 24 * US_H


@dataclass(frozen=True)
class Rules:
    """The timings and thresholds of the model, read from sdssim's :class:`SimConfig`."""

    interval: int
    initial_per_object: tuple[float, float]
    incremental_minutes: tuple[float, float]
    change_rate: float
    retries: tuple[int, ...]
    retry_every: int
    disable_after: int
    escrow_min: int
    escrow_proportion: float
    escrow_total: int

    @classmethod
    def from_config(cls, cfg: SimConfig | None = None) -> Rules:
        cfg = cfg if cfg is not None else SimConfig()
        return cls(
            interval=duration_us(cfg.cycle_interval),
            initial_per_object=tuple(cfg.initial_minutes_per_object),
            incremental_minutes=tuple(cfg.incremental_minutes),
            change_rate=cfg.incremental_change_rate,
            retries=tuple(duration_us(d) for d in cfg.quarantine_retries),
            retry_every=duration_us(cfg.quarantine_retry_every),
            disable_after=duration_us(cfg.quarantine_disable_after),
            escrow_min=cfg.escrow_min_failures,
            escrow_proportion=cfg.escrow_proportion,
            escrow_total=cfg.escrow_total,
        )

    def retry_offset(self, count: int) -> int:
        """Offset from the series' beginning of the attempt after failed attempt ``count``."""
        n = len(self.retries)
        if count <= n:
            return self.retries[count - 1]
        return self.retries[-1] + (count - n) * self.retry_every

    def over_threshold(self, failures: int, units: int) -> bool:
        return failures >= self.escrow_min and (
            failures > self.escrow_proportion * units or failures > self.escrow_total)


@dataclass(frozen=True)
class JobPlan:
    """One job of the plan; times are microseconds from ``t0`` (``None``: not planned).

    ``storm`` (the worst-case plan) holds further faults as ``(start, end, kind,
    value)`` windows, sorted and never overlapping: ``cred`` (a credential fault),
    ``entry`` (``value`` entries fail, below the escrow threshold) and ``slow``
    (throttling: cycles take ``value`` times as long).
    """

    objects: int
    cred_start: int | None = None
    cred_end: int | None = None
    entry_start: int | None = None
    entry_end: int | None = None
    entry_count: int = 0
    restart_at: int | None = None
    storm: tuple[tuple[int, int, str, int], ...] = ()

    def _storm_at(self, t: int) -> tuple[int, int, str, int] | None:
        storm = self.storm
        if not storm:
            return None
        i = bisect.bisect_right(storm, (t, _MAX_KEY)) - 1
        if i >= 0 and storm[i][1] > t:
            return storm[i]
        return None

    def cred_active(self, t: int) -> bool:
        if self.cred_start is not None and self.cred_start <= t < self.cred_end:  # type: ignore[operator]
            return True
        w = self._storm_at(t)
        return w is not None and w[2] == "cred"

    def entry_failures(self, t: int, units: int) -> int:
        if self.entry_start is not None and self.entry_start <= t < self.entry_end:  # type: ignore[operator]
            return min(self.entry_count, units)
        w = self._storm_at(t)
        if w is not None and w[2] == "entry":
            return min(w[3], units)
        return 0

    def slowdown(self, t: int) -> int:
        """How many times longer a cycle beginning at ``t`` takes (1: not throttled)."""
        w = self._storm_at(t)
        return w[3] if w is not None and w[2] == "slow" else 1

    def fault_active(self, t: int) -> bool:
        """Whether any fault reaches the job at ``t`` (a lazy job then stays stepped)."""
        if self.cred_start is not None and self.cred_start <= t < self.cred_end:  # type: ignore[operator]
            return True
        if self.entry_start is not None and self.entry_start <= t < self.entry_end:  # type: ignore[operator]
            return True
        return self._storm_at(t) is not None

    def next_fault_start(self, t: int) -> int | None:
        """When the next fault after ``t`` begins (a sleeping job wakes then)."""
        starts = [s for s in (self.cred_start, self.entry_start) if s is not None and s > t]
        i = bisect.bisect_right(self.storm, (t, _MAX_KEY))
        if i < len(self.storm):
            starts.append(self.storm[i][0])
        return min(starts) if starts else None


#: sorts after every window beginning at the same instant (for bisect on ``(start, ...)``)
_MAX_KEY = float("inf")


@dataclass(frozen=True)
class Plan:
    """N jobs over ``days`` virtual days, seeded by ``seed``."""

    seed: int
    days: int
    jobs: tuple[JobPlan, ...]
    rules: Rules = field(default_factory=Rules.from_config)

    @property
    def n(self) -> int:
        return len(self.jobs)

    @property
    def t0(self) -> int:
        return to_us(parse_timestamp(START))

    @property
    def horizon(self) -> int:
        """The end, in microseconds from ``t0`` (events at it are included)."""
        return self.days * US_D

    def actions(self) -> list[tuple[int, int, str]]:
        """``(time, job index, kind)`` of everything done to jobs after ``t0``, in order.

        Kinds: ``cred`` (a credential fault begins), ``entry`` (an entry-failure fault
        begins) and ``restart`` (a Watermark restart, right after its entry fault).
        Faults that begin at ``t0`` are set up with the jobs and are not listed.
        """
        out = []
        for i, job in enumerate(self.jobs):
            if job.cred_start is not None and job.cred_start > 0:
                out.append((job.cred_start, i, "cred"))
            if job.entry_start is not None and job.entry_start > 0:
                out.append((job.entry_start, i, "entry"))
            if job.restart_at is not None:
                out.append((job.restart_at, i, "restart"))
        order = {"cred": 0, "entry": 1, "restart": 2}
        out.sort(key=lambda a: (a[0], a[1], order[a[2]]))
        return [a for a in out if a[0] <= self.horizon]


def _off(rng: random.Random, lo_s: int, hi_s: int, frac: float) -> int:
    """A time between ``lo_s`` and ``hi_s`` seconds, at a whole second plus ``frac``."""
    return rng.randrange(lo_s, hi_s) * US_S + round(frac * US_S)


def make_plan(n: int, days: int = 30, seed: int = 0) -> Plan:
    """The benchmark's jobs: about 62 % clean, 20 % with a credential fault (a tenth of
    those never fixed, so the job is disabled after 28 days), 9 % with entry failures
    during their initial cycle, 9 % with entry failures when an admin restarts them with
    Watermark."""
    rng = random.Random(int.from_bytes(hashlib.sha256(f"sdssim-bench:{seed}".encode())
                                       .digest()[:8], "big"))
    span = days * 86400
    jobs = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.20:  # credential fault: from day d for h hours (a few never end)
            objects = rng.randrange(200, 3000)
            if rng.random() < 0.10:
                start = _off(rng, 3600, max(2 * 86400, 3601), 0.25)
                end = start + 40 * US_D
            else:
                start = _off(rng, 3600, max(span - 3600, 3601), 0.25)
                end = start + _off(rng, 600, 4 * 86400, 0.5)
            jobs.append(JobPlan(objects, cred_start=start, cred_end=end))
        elif kind < 0.29:  # entry failures from t0: over the threshold, the initial cycle prunes
            objects = rng.randrange(8000, 20000)
            count = int(objects * (0.45 + 0.45 * rng.random()))
            end = _off(rng, 3600, 3 * 86400, 0.25)
            jobs.append(JobPlan(objects, entry_start=0, entry_end=end, entry_count=count))
        elif kind < 0.38:  # entry failures, then a Watermark restart forces a full cycle
            objects = rng.randrange(8000, 20000)
            count = int(objects * (0.45 + 0.45 * rng.random()))
            at = _off(rng, 2 * 86400, max(span - 3600, 2 * 86400 + 1), 0.5)
            end = at + _off(rng, 3600, 3 * 86400, 0.25)
            jobs.append(JobPlan(objects, entry_start=at, entry_end=end, entry_count=count,
                                restart_at=at))
        else:
            jobs.append(JobPlan(rng.randrange(200, 3000)))
    return Plan(seed, days, tuple(jobs))


#: the worst case: a fault reaches each job every ``STORM_GAP_H`` hours on average
STORM_GAP_H = 4


def make_storm_plan(n: int, days: int = 7, seed: int = 0) -> Plan:
    """The worst case for a lazy engine: every job is hit by a fault about every
    ``STORM_GAP_H`` hours (exponential gaps), each 20-60 minutes long: 45 % throttling
    (cycles twice as long), 45 % a few entry failures (below the escrow threshold: the
    cycle ends with ``EntryLevelErrors``), 10 % a credential fault (quarantine, retries).
    No job stays steady for long, so laziness saves little and every fault is work."""
    rng = random.Random(int.from_bytes(hashlib.sha256(f"sdssim-storm:{seed}".encode())
                                       .digest()[:8], "big"))
    span = days * US_D
    jobs = []
    for _ in range(n):
        windows = []
        t = 0
        while True:  # starts at a whole second + 0.25 s, ends at + 0.75 s (see the module)
            gap = max(1, int(rng.expovariate(1 / (STORM_GAP_H * 3600))))
            t = (t // US_S + gap) * US_S + US_S // 4
            if t > span:
                break
            end = (t // US_S + rng.randrange(1200, 3600)) * US_S + 3 * US_S // 4
            kind = rng.random()
            if kind < 0.45:
                windows.append((t, end, "slow", 2))
            elif kind < 0.90:
                windows.append((t, end, "entry", rng.randrange(1, 50)))
            else:
                windows.append((t, end, "cred", 0))
            t = end
        jobs.append(JobPlan(rng.randrange(200, 3000), storm=tuple(windows)))
    return Plan(seed, days, tuple(jobs))


@dataclass
class Outcome:
    """Per-job counts, the thing the three implementations must agree on."""

    cycles: list[int]
    quarantines: list[int]
    disabled: list[int]

    @classmethod
    def empty(cls, n: int) -> Outcome:
        return cls([0] * n, [0] * n, [0] * n)

    def totals(self) -> dict[str, int]:
        return {"cycles": sum(self.cycles), "quarantines": sum(self.quarantines),
                "disablements": sum(self.disabled)}

    def digest(self) -> str:
        h = hashlib.sha256()
        for row in zip(self.cycles, self.quarantines, self.disabled, strict=True):
            h.update(repr(row).encode())
        return h.hexdigest()[:16]

    def first_difference(self, other: Outcome) -> str | None:
        """A description of the first job on which two outcomes differ, or ``None``."""
        for name in ("cycles", "quarantines", "disabled"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if len(mine) != len(theirs):
                return f"{name}: {len(mine)} jobs vs {len(theirs)}"
            for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
                if a != b:
                    return f"job {i} {name}: {a} vs {b}"
        return None

    def to_json(self) -> dict:
        return {"cycles": self.cycles, "quarantines": self.quarantines, "disabled": self.disabled}

    @classmethod
    def from_json(cls, data: dict) -> Outcome:
        return cls(list(data["cycles"]), list(data["quarantines"]), list(data["disabled"]))
