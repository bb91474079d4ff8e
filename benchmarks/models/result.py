"""What one implementation's run of the benchmark model gives back."""

from __future__ import annotations

from dataclasses import dataclass, field

from .plan import Outcome

__all__ = ["Result"]


@dataclass
class Result:
    """Outcome, work done and wall time of one run (setup, simulation and read-out)."""

    name: str
    n: int
    days: int
    outcome: Outcome
    #: events taken off the implementation's queue (sdssim: its scheduler's heap)
    events: int
    seconds: float
    #: the live simulation (kept so that memory can be measured while it is held)
    state: object = field(default=None, repr=False)

    @property
    def cycles(self) -> int:
        return sum(self.outcome.cycles)

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def cycles_per_s(self) -> float:
        return self.cycles / self.seconds if self.seconds else 0.0
