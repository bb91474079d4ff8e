"""Guards in front of the handlers: strict numbers, body size, filter size, the control plane.

* :func:`ascii_int` reads a number from a header, query option or body field:
  ASCII digits only (``str.isdigit`` accepts ``²``, ``①`` and ``٣``, which
  ``int`` then refuses), and a bounded number of them.
* :func:`read_body` reads at most ``max_body`` bytes (``Content-Length`` is
  checked first, then the stream), so a 300 MB body is refused with 413
  without being buffered.
* :func:`check_control` guards ``/_sdssim``: the control token, the ``Host``
  header (DNS rebinding) and ``Content-Type: application/json`` on POST (a
  page in a browser can send a cross-origin "simple" POST with ``text/plain``
  without a preflight; it cannot send ``application/json``).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from sdssim.errors import BadRequest, GraphError

__all__ = ["ascii_int", "read_body", "BodyTooLarge", "check_control", "is_loopback",
           "DEFAULT_MAX_BODY", "MAX_FILTER_LENGTH", "MAX_FILTER_DEPTH"]

#: the largest request body by default (``--max-body``): 16 MiB
DEFAULT_MAX_BODY = 16 * 1024 * 1024
#: the longest ``$filter`` text, and its deepest nesting (parentheses and ``not``)
MAX_FILTER_LENGTH = 2048
MAX_FILTER_DEPTH = 32

_DIGITS = re.compile(r"[0-9]{1,18}")


def ascii_int(text: str | None, *, max_digits: int = 18) -> int | None:
    """``int(text)`` when ``text`` is 1 to ``max_digits`` ASCII digits; else ``None``."""
    if text is None or not 0 < len(text) <= max_digits or not _DIGITS.fullmatch(text):
        return None
    return int(text)


class BodyTooLarge(GraphError):
    status = 413
    code = "requestEntityTooLarge"


async def read_body(request: Any, max_body: int) -> bytes:
    """The request body; :class:`BodyTooLarge` past ``max_body`` bytes (nothing more is read)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        size = ascii_int(declared.strip())
        if size is None:
            raise BadRequest("Invalid Content-Length header.")
        if size > max_body:
            raise _too_large(max_body)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > max_body:
            raise _too_large(max_body)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(max_body: int) -> BodyTooLarge:
    return BodyTooLarge(f"The request body is larger than the server's limit of {max_body:,} "
                        "bytes.")


def is_loopback(host: str) -> bool:
    """Is ``host`` (a name or address, IPv6 with or without brackets) a loopback interface?"""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_name(header: str) -> str:
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def check_control(state: Any, request: Any, method: str, segments: list[str]) -> None:
    """Raise the Graph error that refuses a control request, or return."""
    host = request.headers.get("host")
    allowed = state.allowed_hosts
    if allowed is not None:
        name = _host_name(host or "")
        if name not in allowed:
            raise GraphError(f"The Host header {host!r} is not a name this server is bound to.",
                             code="forbidden", status=403)
    token = state.control_token
    # The dashboard's page is static code with no data in it (a browser cannot send a header
    # when it opens a page); every call it makes for data carries the token.
    static_page = method == "GET" and segments in (["ui"], ["_sdssim", "ui"])
    if token is not None and not static_page:
        header = request.headers.get("authorization") or ""
        scheme, _, given = header.strip().partition(" ")
        if scheme.lower() != "bearer" or given.strip() != token:
            raise GraphError("The control API needs 'Authorization: Bearer <control token>'.",
                             code="InvalidAuthenticationToken", status=401)
    if method == "POST":
        ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise GraphError("The control API takes JSON bodies only, sent with "
                             "'Content-Type: application/json'.",
                             code="unsupportedMediaType", status=415)
