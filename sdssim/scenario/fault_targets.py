"""Which kind of subject each fault kind may be aimed at.

The fault kinds themselves, with their parameters, are declared once in
:data:`sdssim.engine.faults.FAULT_KINDS`.  Here: the kinds that only ever
affect jobs, or only profiles (a scenario refuses the other target), and the
kinds (the engine's request faults: ``throttle`` and its kin) aimed at the whole
API rather than a subject.
A test checks that every kind named here is a declared kind.
"""

from __future__ import annotations

from sdssim.engine import FAULT_KINDS
from sdssim.engine.faults import REQUEST_FAULTS

__all__ = ["FAULT_KINDS", "JOB_ONLY_FAULTS", "PROFILE_ONLY_FAULTS", "UNTARGETED_FAULTS",
           "may_target"]

#: fault kinds that only ever affect jobs
JOB_ONLY_FAULTS = frozenset({"credential_failure", "endpoint_down", "mass_deletes", "quarantine"})
#: fault kinds that only ever affect profiles
PROFILE_ONLY_FAULTS = frozenset({"provisioning_failure", "deletion_failure"})
#: fault kinds aimed at the API as a whole (no ``profile`` or ``job``): the engine's
#: request faults, which refuse a number of requests (429, 503, 504)
UNTARGETED_FAULTS = frozenset(REQUEST_FAULTS)


def may_target(kind: str, subject_kind: str) -> bool:
    """Whether a fault of ``kind`` may be aimed at a ``"profile"`` or a ``"job"``."""
    if kind in UNTARGETED_FAULTS:
        return False
    if subject_kind == "profile":
        return kind not in JOB_ONLY_FAULTS
    return kind not in PROFILE_ONLY_FAULTS
