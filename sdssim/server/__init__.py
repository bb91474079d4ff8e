"""A fake Microsoft Graph HTTP server over a :class:`~sdssim.engine.Simulation`.

Needs the ``server`` extra (Starlette, uvicorn).  The names below are imported
lazily, so ``sdssim.server.scorecard`` (pure Python) works without it.

* :func:`create_app` — the Starlette app (``sdssim.server.app``);
* :class:`ServerClock` — virtual or realtime driving of virtual time;
* :class:`RateLimit` — the ``rate_limit`` option;
* :func:`running_server` — a server on a free loopback port, for tests;
* :func:`serve` — run uvicorn in the foreground (``sdssim serve``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, seen by type checkers and the layer contract
    from .app import create_app
    from .clock import ServerClock
    from .serve import serve
    from .testing import running_server
    from .throttling import RateLimit

__all__ = ["create_app", "ServerClock", "RateLimit", "running_server", "serve"]

_WHERE = {
    "create_app": "sdssim.server.app",
    "ServerClock": "sdssim.server.clock",
    "RateLimit": "sdssim.server.throttling",
    "running_server": "sdssim.server.testing",
    "serve": "sdssim.server.serve",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'sdssim.server' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
