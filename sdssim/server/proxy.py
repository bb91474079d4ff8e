"""The forward proxy of ``sdssim serve --proxy``: Graph at its real address, nothing else.

A client started with ``HTTPS_PROXY=http://127.0.0.1:P`` sends
``CONNECT graph.microsoft.com:443`` to this proxy.  For the two intercepted
hosts (:data:`~sdssim.server.tls.INTERCEPTED_HOSTS`) the proxy answers
``200 Connection established`` and joins the tunnel to sdssim's own TLS
listener on loopback, whose certificate (from the local CA) names those hosts:
the client's TLS session ends at sdssim, which serves the simulated Graph and
the token endpoint there.  The proxy never opens a connection anywhere else:

* ``CONNECT`` to any other host or port → ``403 Forbidden`` with a sentence
  saying what is served;
* a plain request in origin form (``GET /_sdssim/clock``, as a client sends
  to ``http://127.0.0.1:P/…`` without a proxy) is joined to sdssim's plain HTTP
  listener, so the control API, the request log and the scorecard live on the
  proxy's own port;
* a plain request in absolute form (``GET http://example.com/``, what a client
  sends through ``HTTP_PROXY``) → ``403``.

The proxy reads only the request head (at most 64 KiB, else 431) and then
copies bytes; it never parses the tunnelled traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sdssim.server.tls import INTERCEPTED_HOSTS

__all__ = ["ForwardProxy", "MAX_HEAD"]

MAX_HEAD = 64 * 1024
log = logging.getLogger("sdssim.server.proxy")


class ForwardProxy:
    """Answers proxy connections; ``tls_backend``/``http_backend`` are ``(host, port)``."""

    def __init__(self, tls_backend: tuple[str, int], http_backend: tuple[str, int],
                 hosts: tuple[str, ...] = INTERCEPTED_HOSTS) -> None:
        self.tls_backend = tls_backend
        self.http_backend = http_backend
        self.hosts = hosts
        self.tasks: set[asyncio.Task] = set()
        self.refused: list[str] = []   # "CONNECT host:port" / "GET url", newest last

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:  # the server is stopping: end quietly
            pass
        finally:
            if task is not None:
                self.tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            await _refuse(writer, 431, "Request Header Fields Too Large",
                          f"sdssim proxy: request head larger than {MAX_HEAD} bytes.")
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            await _refuse(writer, 400, "Bad Request",
                          "sdssim proxy: malformed request line.")
            return
        method, target, _ = parts
        if method.upper() == "CONNECT":
            host, port = _authority(target)
            if host in self.hosts and port == 443:
                await self._tunnel(reader, writer, self.tls_backend,
                                   b"HTTP/1.1 200 Connection established\r\n\r\n")
                return
            self.refused.append(f"CONNECT {target}")
            await _refuse(writer, 403, "Forbidden", _refusal(f"CONNECT {target}", self.hosts))
            return
        if target.startswith("/"):
            await self._tunnel(reader, writer, self.http_backend, None, first=head)
            return
        self.refused.append(f"{method} {target}")
        await _refuse(writer, 403, "Forbidden", _refusal(f"{method} {target}", self.hosts))

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      backend: tuple[str, int], reply: bytes | None, *,
                      first: bytes = b"") -> None:
        up_reader, up_writer = await asyncio.open_connection(*backend)
        try:
            if reply is not None:
                writer.write(reply)
                await writer.drain()
            if first:
                up_writer.write(first)
            await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
        finally:
            with contextlib.suppress(Exception):
                up_writer.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()


def _authority(target: str) -> tuple[str, int | None]:
    host, sep, port = target.rpartition(":")
    if not sep:
        return target.lower(), None
    host = host.strip("[]").lower()
    return host, int(port) if port.isdigit() else None


def _refusal(what: str, hosts: tuple[str, ...]) -> str:
    served = " and ".join(f"{h}:443" for h in hosts)
    return (f"sdssim proxy refused {what}: it serves only {served} (simulated) and never "
            "forwards traffic off this machine. Send other hosts around the proxy "
            "(NO_PROXY), e.g. NO_PROXY=127.0.0.1,localhost for sdssim's control API.\n")


async def _refuse(writer: asyncio.StreamWriter, status: int, reason: str, text: str) -> None:
    body = text.encode("utf-8")
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    with contextlib.suppress(ConnectionError, OSError):
        await writer.drain()
