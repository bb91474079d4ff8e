"""Running the app over HTTPS (``--tls``) or behind the Graph proxy (``--proxy``).

:class:`SecureServer` runs everything in one event loop on a background
thread, so ``sdssim serve`` and the tests share one code path:

* ``mode="tls"``: uvicorn with a certificate for ``localhost``, ``127.0.0.1``,
  ``::1`` (and ``host``) from the local CA, on ``host:port``;
* ``mode="proxy"``: the :class:`~sdssim.server.proxy.ForwardProxy` on
  ``host:port``, and behind it, on loopback ports of their own, a TLS listener
  whose certificate names ``graph.microsoft.com`` and
  ``login.microsoftonline.com`` and a plain HTTP listener for the control API.
  The app is wrapped in :class:`~sdssim.server.identity.IdentityEndpoints`.

Both listeners serve the *same* app (one simulation, one lock, one request
log), so the control API and the scorecard see every client whichever way it
came.  ``@odata.nextLink``, ``Location`` and ``@odata.context`` follow the
scheme and ``Host`` of each request (``https://graph.microsoft.com/v1.0/…``
through the proxy, ``https://127.0.0.1:P/…`` over ``--tls``).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from sdssim.server.identity import IdentityEndpoints
from sdssim.server.proxy import MAX_HEAD, ForwardProxy
from sdssim.server.tls import INTERCEPTED_HOSTS, LOOPBACK_NAMES, LocalCA, client_env

__all__ = ["SecureServer", "MODES"]

MODES = ("tls", "proxy")


class SecureServer:
    """``app`` over TLS or behind the proxy; :meth:`start` / :meth:`stop`, or ``with``."""

    def __init__(self, app: Any, *, mode: str, host: str = "127.0.0.1", port: int = 0,
                 ca_dir: Path | str | None = None, token: str | None = None,
                 log_level: str = "warning") -> None:
        """``app``: a :func:`~sdssim.server.app.create_app` app (its ``--token``, if any,
        is what the proxy's token endpoint issues unless ``token`` says otherwise)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self.ca = LocalCA.load_or_create(ca_dir)
        self.app = app
        state = getattr(getattr(app, "state", None), "sdssim", None)
        if state is not None:
            state.ca_pem = self.ca.cert_pem   # GET /_sdssim/ca.pem
        self.log_level = log_level
        self._servers: list[uvicorn.Server] = []
        self._sockets: list[socket.socket] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._ready = threading.Event()
        self.proxy: ForwardProxy | None = None
        self.identity: IdentityEndpoints | None = None
        if mode == "tls":
            names = LOOPBACK_NAMES if host in ("127.0.0.1", "localhost", "::1", "") \
                else (*LOOPBACK_NAMES, host)
            self.cert = self.ca.issue(names)
        else:
            self.cert = self.ca.issue((*INTERCEPTED_HOSTS, *LOOPBACK_NAMES))
            # the token endpoint hands out the token the Graph side accepts (--token)
            if token is None and state is not None:
                token = state.token
            self.identity = IdentityEndpoints(app, token=token)
            self.app = self.identity
            # uploadUrl() and nextLinks name the host the client used: through the proxy
            # that is graph.microsoft.com, which a Host check must then accept too
            allowed = getattr(state, "allowed_hosts", None)
            if state is not None and allowed is not None:
                state.allowed_hosts = frozenset(allowed) | frozenset(INTERCEPTED_HOSTS)
        self.public = _bind(host, port)
        self.port = self.public.getsockname()[1]
        self.host = host

    # -- addresses ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """Where the control API is: ``https://…`` (tls) or ``http://…`` (proxy)."""
        scheme = "https" if self.mode == "tls" else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def graph_url(self) -> str:
        return self.base_url if self.mode == "tls" else "https://graph.microsoft.com"

    def client_env(self) -> dict[str, str]:
        """The environment a client process needs (CA trust, and the proxy)."""
        env: dict[str, str] = {}
        if self.mode == "proxy":
            env["HTTPS_PROXY"] = env["https_proxy"] = self.base_url
            env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost,::1"
        return {**env, **client_env(self.ca.cert_file)}

    # -- running -----------------------------------------------------------------------
    def start(self, timeout: float = 15.0) -> SecureServer:
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"sdssim-{self.mode}-{self.port}")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not (self._ready.is_set() and all(s.started for s in self._servers)):
            if self._failure is not None or not self._thread.is_alive() \
                    or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sdssim {self.mode} server did not start"
                                   + (f": {self._failure}" if self._failure else ""))
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
        for sock in [self.public, *self._sockets]:
            sock.close()

    def wait(self) -> None:
        """Block until the server thread ends (it ends on :meth:`stop`)."""
        if self._thread is not None:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)

    def __enter__(self) -> SecureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _config(self, tls: bool) -> uvicorn.Config:
        options: dict[str, Any] = {}
        if tls:
            options = {"ssl_certfile": str(self.cert.cert_file),
                       "ssl_keyfile": str(self.cert.key_file)}
        return uvicorn.Config(self.app, log_level=self.log_level, lifespan="off",
                              access_log=False, **options)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported by start(); the thread just ends
            self._failure = exc

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        proxy_server = None
        if self.mode == "tls":
            listeners = [(uvicorn.Server(self._config(True)), self.public)]
        else:
            tls_sock, http_sock = _bind("127.0.0.1", 0), _bind("127.0.0.1", 0)
            self._sockets = [tls_sock, http_sock]
            listeners = [(uvicorn.Server(self._config(True)), tls_sock),
                         (uvicorn.Server(self._config(False)), http_sock)]
            self.proxy = ForwardProxy(("127.0.0.1", tls_sock.getsockname()[1]),
                                      ("127.0.0.1", http_sock.getsockname()[1]))
            proxy_server = await asyncio.start_server(self.proxy.handle, sock=self.public,
                                                      limit=MAX_HEAD)
        self._servers = [server for server, _ in listeners]
        tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in listeners]
        self._ready.set()
        await self._stop.wait()
        if proxy_server is not None:
            proxy_server.close()
        if self.proxy is not None:
            for task in list(self.proxy.tasks):
                task.cancel()
        for server in self._servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


def startup_lines(server: SecureServer) -> list[str]:
    """What ``sdssim serve --tls|--proxy`` prints: where things are, what to set."""
    ca = server.ca.cert_file
    if server.mode == "tls":
        lines = [f"sdssim: Graph on {server.base_url}/beta and /v1.0 (HTTPS), control API "
                 f"under {server.base_url}/_sdssim"]
    else:
        lines = [f"sdssim: Graph proxy on {server.base_url}: https://graph.microsoft.com and "
                 "https://login.microsoftonline.com are simulated, every other host is "
                 "refused (403)",
                 f"sdssim: control API under {server.base_url}/_sdssim"]
    lines.append(f"sdssim: CA certificate {ca} (also GET {server.base_url}/_sdssim/ca.pem); "
                 "clients need:")
    lines += [f"export {name}={value}" for name, value in server.client_env().items()
              if name.isupper()]
    return lines


def serve_secure(app: Any, *, mode: str, host: str, port: int, ca_dir: Path | str | None,
                 token: str | None, log_level: str = "info",
                 echo: Any = None) -> None:
    """Run ``app`` in ``mode`` in the foreground until SIGINT or SIGTERM."""
    import signal

    server = SecureServer(app, mode=mode, host=host, port=port, ca_dir=ca_dir, token=token,
                          log_level=log_level if mode == "tls" else "warning")
    stopping = threading.Event()
    # before the start-up lines: whoever read them may stop the server at once
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        server.start()
        for line in startup_lines(server):
            if echo is None:
                print(line, flush=True)
            else:
                echo(line)
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
