"""Injected faults: what goes wrong, for whom, from when and for how long."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..clock import format_us
from ..errors import BadRequest, GatewayTimeout, GraphError, ServiceUnavailable, Throttled
from .subjects import SubjectKind

__all__ = ["Fault", "FaultBook", "FAULT_KINDS", "FAULT_TARGETS", "JOB_ONLY_FAULTS",
           "PROFILE_ONLY_FAULTS", "REQUEST_FAULTS", "UNTARGETED_FAULTS", "check_params",
           "first_active", "may_target"]

#: The most of anything a fault counts (entries, deletions, requests): sdssim's bound.
_MAX_COUNT = 1_000_000_000
_ANY = (int, float)

#: kind -> {parameter: (type, default, bounds)}. A ``None`` default is optional (see
#: ``entry_failures``); bounds are an inclusive ``(low, high)`` for numbers.
#: ``retry_after`` ``None`` on ``unavailable``/``gateway_timeout`` sends no ``Retry-After``.
FAULT_KINDS: dict[str, dict[str, tuple[type | tuple[type, ...], object, tuple[float, float] | None]]] = {
    "credential_failure": {},
    "endpoint_down": {},
    "throttling": {"slowdown": (_ANY, 3.0, (1, 1000)), "rate": (_ANY, 0.05, (0, 1))},
    "entry_failures": {
        "rate": (_ANY, None, (0, 1)),
        "count": (int, None, (0, _MAX_COUNT)),
        "reference": (bool, False, None),
        "code": (str, None, None),
    },
    "mass_deletes": {"count": (int, 1000, (0, _MAX_COUNT))},
    "replica_unavailable": {"rate": (_ANY, 0.1, (0, 1))},
    "provisioning_failure": {},
    "deletion_failure": {},
    "throttle": {"requests": (int, 1, (1, _MAX_COUNT)), "retry_after": (int, 10, (0, 86_400))},
    "unavailable": {"requests": (int, 1, (1, _MAX_COUNT)),
                    "retry_after": (int, None, (0, 86_400))},
    "gateway_timeout": {"requests": (int, 1, (1, _MAX_COUNT)),
                        "retry_after": (int, None, (0, 86_400))},
    "quarantine": {"reason": (str, "QuarantinedOnDemand", None)},
}
#: Faults that refuse API requests (count-based), with the error each answers.
REQUEST_FAULTS = ("throttle", "unavailable", "gateway_timeout")
#: kind -> the kinds of subject (:mod:`sdssim.engine.subjects`) a fault of that kind may be
#: aimed at; none for the request faults, aimed at the API as a whole. A scenario refuses
#: any other target (``servicePrincipal`` is a target of the Python and control APIs only).
FAULT_TARGETS: dict[str, tuple[SubjectKind, ...]] = {
    "credential_failure": ("job", "servicePrincipal"),
    "endpoint_down": ("job",),
    "throttling": ("profile", "job"),
    "entry_failures": ("profile", "job"),
    "mass_deletes": ("job",),
    "replica_unavailable": ("profile", "job"),
    "provisioning_failure": ("profile",),
    "deletion_failure": ("profile",),
    "throttle": (),
    "unavailable": (),
    "gateway_timeout": (),
    "quarantine": ("job",),
}
#: fault kinds that may be aimed at a job and not at a profile
JOB_ONLY_FAULTS = frozenset(k for k, t in FAULT_TARGETS.items() if "job" in t and "profile" not in t)
#: fault kinds that may be aimed at a profile and not at a job
PROFILE_ONLY_FAULTS = frozenset(k for k, t in FAULT_TARGETS.items()
                                if "profile" in t and "job" not in t)
#: fault kinds aimed at the API as a whole, never at a subject: the request faults
UNTARGETED_FAULTS = frozenset(k for k, t in FAULT_TARGETS.items() if not t)
QUARANTINE_REASONS = (
    "EncounteredBaseEscrowThreshold", "EncounteredTotalEscrowThreshold",
    "EncounteredEscrowProportionThreshold", "EncounteredQuarantineException", "Unknown",
    "QuarantinedOnDemand", "TooManyDeletes", "IngestionInterrupted",
)


def may_target(kind: str, subject_kind: str) -> bool:
    """Whether a fault of ``kind`` may be aimed at a subject of ``subject_kind`` (``"job"``...)."""
    return subject_kind in FAULT_TARGETS.get(kind, ())


@attrs.define(slots=True, eq=False)
class Fault:
    """One scheduled fault.  ``end_us`` is ``None`` for "until the end"."""

    id: int
    kind: str
    start_us: int
    end_us: int | None
    target: str | None
    #: checked by :func:`check_params`; each parameter's type depends on the kind (see
    #: :data:`FAULT_KINDS`)
    params: dict[str, Any]
    #: subjects a one-shot fault (mass deletes) has been taken by
    consumed_by: set[str] = attrs.field(factory=set)
    remaining: int = 0

    def active(self, subject: str, t: int) -> bool:
        return (
            self.start_us <= t
            and (self.end_us is None or t < self.end_us)
            and (self.target is None or self.target == subject)
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "at": format_us(self.start_us),
            "end": format_us(self.end_us) if self.end_us is not None else None,
            "target": self.target,
            "params": dict(self.params),
        }
        if self.kind in REQUEST_FAULTS:
            out["remaining"] = self.remaining
        return out

    def refusal(self) -> GraphError:
        """The error a request fault answers with (429, 503 or 504)."""
        retry_after = self.params["retry_after"]
        if self.kind == "throttle":
            return Throttled(f"Too many requests; retry after {retry_after} seconds.",
                             retry_after=retry_after)
        cls = ServiceUnavailable if self.kind == "unavailable" else GatewayTimeout
        return cls(cls.text, retry_after=retry_after)


def check_params(kind: object, params: Mapping[str, object]) -> dict[str, Any]:
    """Validate and complete a fault's parameters; ``BadRequest`` names the problem.

    Numbers must be finite and within the kind's bounds; booleans are not numbers.
    """
    if not isinstance(kind, str) or kind not in FAULT_KINDS:
        raise BadRequest(f"unknown fault kind {kind!r}; known kinds: {', '.join(sorted(FAULT_KINDS))}")
    spec = FAULT_KINDS[kind]
    out: dict[str, object] = {}
    for name, value in params.items():
        if name not in spec:
            allowed = ", ".join(sorted(spec)) or "none"
            raise BadRequest(f"fault {kind!r} has no parameter {name!r} (parameters: {allowed})")
        typ, default, bounds = spec[name]
        if value is None and default is None:
            out[name] = None
            continue
        if isinstance(value, bool) and typ is not bool:
            raise BadRequest(f"fault {kind!r} parameter {name!r} must be a number, not a boolean")
        if not isinstance(value, typ):
            raise BadRequest(f"fault {kind!r} parameter {name!r} has the wrong type "
                             f"({type(value).__name__})")
        if bounds is not None:
            lo, hi = bounds
            number = float(value)  # type: ignore[arg-type]  # checked: an int or a float
            if not (math.isfinite(number) and lo <= number <= hi):
                raise BadRequest(f"fault {kind!r} parameter {name!r} must be between {lo:g} and "
                                 f"{hi:g}, not {value!r}")
        out[name] = value
    for name, (_typ, default, _bounds) in spec.items():
        out.setdefault(name, default)
    if kind == "entry_failures":
        if (out["rate"] is None) == (out["count"] is None):
            raise BadRequest("fault 'entry_failures' needs exactly one of 'rate' or 'count'")
    if kind == "quarantine" and out["reason"] not in QUARANTINE_REASONS:
        raise BadRequest(f"fault 'quarantine' reason must be one of {', '.join(QUARANTINE_REASONS)}")
    return out


class FaultBook:
    """All faults of a simulation, indexed by target.

    A lookup for one subject reads only the faults aimed at it and the faults
    aimed at everyone (:meth:`reaching`, cached until a fault is added), so a
    fault per job costs no more than one fault, and a subject no fault can
    reach costs one dictionary lookup.
    """

    __slots__ = ("faults", "_kinds", "_targets", "_merged", "_lives", "one_shot")

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        #: kind -> its faults, in the order they were added
        self._kinds: dict[str, list[Fault]] = {}
        #: target (``None``: everyone) -> its faults other than request faults, in order
        self._targets: dict[str | None, list[Fault]] = {}
        #: subject -> its own and everyone's faults merged in order (see :meth:`reaching`)
        self._merged: dict[str, tuple[Fault, ...]] = {}
        #: subject -> its faults not yet ended (see :meth:`_live`)
        self._lives: dict[str, _Live] = {}
        # Both caches hold what a subject's faults were when they were built: ``add``
        # drops a subject's entries when a fault reaches it (every entry for a fault
        # aimed at everyone).
        #: whether a one-shot fault (``mass_deletes``) was ever added: cycles look for
        #: one only then
        self.one_shot = False

    def add(self, kind: str, start_us: int, end_us: int | None, target: str | None,
            params: Mapping[str, object]) -> Fault:
        checked = check_params(kind, params)
        fault = Fault(len(self.faults) + 1, kind, start_us, end_us, target, checked)
        if kind in REQUEST_FAULTS:
            fault.remaining = checked["requests"]
        else:
            self._targets.setdefault(target, []).append(fault)
            if target is None:
                self._lives.clear()
                self._merged.clear()
            else:
                self._lives.pop(target, None)
                self._merged.pop(target, None)
            if kind == "mass_deletes":
                self.one_shot = True
        self.faults.append(fault)
        self._kinds.setdefault(kind, []).append(fault)
        return fault

    def reaching(self, subject: str) -> Sequence[Fault]:
        """The faults (other than request faults) aimed at ``subject`` or at everyone, in
        the order they were added.  Read-only; ``()`` for most subjects, for a lookup."""
        targets = self._targets
        mine = targets.get(subject, ())
        everyone = targets.get(None, ())
        if not everyone:
            return mine
        if not mine:
            return everyone
        merged = self._merged.get(subject)
        if merged is None:
            merged = self._merged[subject] = tuple(sorted((*mine, *everyone),
                                                          key=lambda f: f.id))
        return merged

    def _live(self, subject: str, t: int) -> _Live | None:
        """``subject``'s faults that have not ended by ``t``, sorted by start (``None``: no
        fault reaches it).  Time only moves forward, so faults that ended are dropped
        for good; a question about an earlier instant rebuilds the list."""
        targets = self._targets
        if subject not in targets and None not in targets:
            return None
        live = self._lives.get(subject)
        if live is None or t < live.since:
            live = self._lives[subject] = _Live(t, self.reaching(subject))
        elif t >= live.min_end:
            live.prune(t)
        return live

    def active_at(self, subject: str, t: int) -> tuple[Fault, ...]:
        """The faults of :meth:`reaching` active at ``t`` (begun, not ended), in the order
        they were added.  A job hit by many faults pays for them at their starts and
        ends, not at every cycle (every cycle of a stepped job asks: the common answers
        come first)."""
        live = self._lives.get(subject)
        if live is None:
            targets = self._targets
            if subject not in targets and None not in targets:
                return ()
        elif live.lo <= t < live.hi:
            return live.active
        live = self._live(subject, t)
        return () if live is None else live.active_at(t)

    def aimed_at(self, kind: str, subject: str) -> list[Fault]:
        """Faults of ``kind`` that can reach ``subject``, in the order they were added."""
        if kind in REQUEST_FAULTS:
            return [f for f in self._kinds.get(kind, ()) if f.target in (None, subject)]
        return [f for f in self.reaching(subject) if f.kind == kind]

    def active(self, kind: str, subject: str, t: int) -> Fault | None:
        """The first fault of ``kind`` active for ``subject`` at ``t``."""
        return first_active(self.reaching(subject), kind, t)

    def pending(self, kinds: tuple[str, ...], subject: str, t: int) -> bool:
        """Whether a fault of one of ``kinds`` can still reach ``subject`` at or after ``t``."""
        return self.active_or_next(kinds, subject, t) is not None

    def active_or_next(self, kinds: tuple[str, ...], subject: str, t: int) -> int | None:
        """``t`` if a fault of one of ``kinds`` can reach ``subject`` at ``t``; else when the
        next one begins; ``None`` if none ever will."""
        live = self._live(subject, t)
        if live is None:
            return None
        for f in live.by_start:  # begun ones first, then in the order they begin
            if f.kind not in kinds or (f.end_us is not None and f.end_us <= t):
                continue
            if f.kind == "mass_deletes" and subject in f.consumed_by:
                continue
            return t if f.start_us <= t else f.start_us
        return None

    def take_once(self, kind: str, subject: str, t: int) -> Fault | None:
        """A one-shot fault (mass deletes) not yet consumed by ``subject``."""
        for fault in self.reaching(subject):
            if fault.kind == kind and fault.start_us <= t and subject not in fault.consumed_by:
                fault.consumed_by.add(subject)
                return fault
        return None

    def _request_fault(self, t: int) -> Fault | None:
        """The request fault the next API request at ``t`` would meet: the first added
        that is active with requests left."""
        if not (self._kinds.keys() & REQUEST_FAULTS):
            return None
        for fault in self.faults:
            if fault.kind in REQUEST_FAULTS and fault.remaining > 0 and fault.start_us <= t \
                    and (fault.end_us is None or t < fault.end_us):
                return fault
        return None

    def refuses_request(self, t: int) -> bool:
        """Whether the next API request at ``t`` would be refused (without taking it)."""
        return self._request_fault(t) is not None

    def take_request(self, t: int) -> GraphError | None:
        """Consume one refused API request: the error to answer (429/503/504), or ``None``.

        Request faults are taken in the order they were added.
        """
        fault = self._request_fault(t)
        if fault is None:
            return None
        fault.remaining -= 1
        return fault.refusal()


#: later than any instant (the end of a cached answer that never changes)
_FOREVER = 1 << 80


class _Live:
    """One subject's faults that have not ended, sorted by start, and the faults active at
    the last instant asked about (valid until the next start or end)."""

    __slots__ = ("since", "by_start", "starts", "min_end", "lo", "hi", "active")

    def __init__(self, t: int, faults: Sequence[Fault]) -> None:
        self.by_start = sorted(faults, key=lambda f: (f.start_us, f.id))
        self.prune(t)

    def prune(self, t: int) -> None:
        self.since = t
        self.by_start = [f for f in self.by_start if f.end_us is None or f.end_us > t]
        self.starts = [f.start_us for f in self.by_start]
        self.min_end = min((f.end_us for f in self.by_start if f.end_us is not None),
                           default=_FOREVER)
        self.lo, self.hi = 0, -1  # nothing cached
        self.active: tuple[Fault, ...] = ()

    def active_at(self, t: int) -> tuple[Fault, ...]:
        if self.lo <= t < self.hi:
            return self.active
        begun = bisect.bisect_right(self.starts, t)
        hi = self.starts[begun] if begun < len(self.starts) else _FOREVER
        active = []
        for f in self.by_start[:begun]:
            end = f.end_us
            if end is None or end > t:
                active.append(f)
                if end is not None and end < hi:
                    hi = end
        active.sort(key=lambda f: f.id)
        self.lo, self.hi, self.active = t, hi, tuple(active)
        return self.active


def first_active(faults: Sequence[Fault], kind: str, t: int) -> Fault | None:
    """The first of ``faults`` (one subject's :meth:`FaultBook.reaching`) of ``kind`` active
    at ``t``."""
    for f in faults:
        if f.kind == kind and f.start_us <= t and (f.end_us is None or t < f.end_us):
            return f
    return None
