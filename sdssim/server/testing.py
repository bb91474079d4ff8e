"""Run the server on a free loopback port for the duration of a ``with`` block.

>>> from sdssim import Simulation
>>> from sdssim.server.testing import running_server
>>> with running_server(Simulation(seed=1)) as base_url:      # doctest: +SKIP
...     httpx.get(base_url + "/_sdssim/clock").json()

uvicorn runs in a daemon thread (it installs no signal handlers off the main
thread); the block starts once the server accepts connections and the server
is shut down cleanly when it ends.  The socket is bound before the server
starts, so the port is known and never raced for.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette

from sdssim.server.app import create_app

__all__ = ["running_server"]


@contextlib.contextmanager
def running_server(sim_or_app: Any, *, host: str = "127.0.0.1", port: int = 0,
                   startup_timeout: float = 10.0, loop: str = "auto", http: str = "auto",
                   **options: Any) -> Iterator[str]:
    """Serve ``sim_or_app`` (a Simulation, with :func:`create_app` ``options``, or an app).

    Yields the base URL, e.g. ``http://127.0.0.1:53127``.  ``loop`` and ``http`` are
    uvicorn's: ``"auto"`` takes uvloop and httptools when installed (the ``server``
    extra's ``uvicorn[standard]``), ``"asyncio"`` and ``"h11"`` the pure-Python ones.
    """
    app = sim_or_app if isinstance(sim_or_app, Starlette) else create_app(sim_or_app, **options)
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when
    # the socket says it is TCP, and without it every answer waits for a delayed ACK (~40 ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                            loop=loop, http=http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"sdssim-server-{bound_port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the sdssim server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
