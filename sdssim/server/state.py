"""What every handler of the app shares: the simulation, its lock, the guards' settings."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sdssim.server.clock import ServerClock
from sdssim.server.guards import DEFAULT_MAX_BODY
from sdssim.server.persist import StateStore
from sdssim.server.requestlog import RequestLog
from sdssim.server.response_cache import ResponseCache
from sdssim.server.retention import RecordBuffer
from sdssim.server.throttling import RateLimit

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["ServerState", "GRAPH_VERSIONS", "LOOPBACK_NAMES", "ADVANCE_SLICE_SECONDS"]

GRAPH_VERSIONS = ("beta", "v1.0")
#: host names a control request may name in ``Host`` on a loopback bind
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
#: virtual seconds a clock advance runs before it lets other requests in
ADVANCE_SLICE_SECONDS = 6 * 3600


class ServerState:
    """Everything the handlers share; ``lock`` serializes access to ``sim``."""

    def __init__(self, sim: Simulation, *, token: str | None, rate_limit: RateLimit | None,
                 clock: ServerClock, page_size: int, control_token: str | None = None,
                 allowed_hosts: frozenset[str] | None = None, max_body: int = DEFAULT_MAX_BODY,
                 records: RecordBuffer | None = None, max_requests: int | None = None,
                 advance_slice: float = ADVANCE_SLICE_SECONDS,
                 store: StateStore | None = None) -> None:
        self.sim = sim
        #: checkpoints, and with ``--state`` the served simulation itself (``persist``)
        self.store = store if store is not None else StateStore()
        self.token = token
        self.control_token = control_token
        self.allowed_hosts = allowed_hosts
        self.max_body = max_body
        self.records = records
        self.advance_slice = advance_slice
        self.rate_limit = rate_limit
        self.clock = clock
        self.page_size = page_size
        self.lock = threading.Lock()
        self.requests = RequestLog(max_requests)
        #: answers of pure reads, kept until the state changes (``response_cache``)
        self.cache = ResponseCache()
        #: subject ("job/<id>") -> display name, e.g. the scenario key (the dashboard shows it)
        self.labels: dict[str, str] = {}
        self.ca_pem: bytes | None = None   # set by --tls / --proxy (GET /_sdssim/ca.pem)
        self._ids = 0
        self._on_demand: RateLimit | None = None

    def on_demand_limit(self, sim: Simulation) -> RateLimit:
        """provisionOnDemand's limit (config: 5 per 10 s), counted in wall seconds."""
        if self._on_demand is None:
            cfg = sim.config
            self._on_demand = RateLimit(cfg.provision_on_demand_requests,
                                        cfg.provision_on_demand_window.total_seconds())
        return self._on_demand

    def next_request_id(self) -> str:
        self._ids += 1
        return f"5d550000-0000-4000-8000-{self._ids:012x}"
