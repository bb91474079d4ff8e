"""Microsoft Graph wire conventions: error bodies, OData query options, paging, ``Prefer``.

Everything here is plain Python over JSON documents (no Starlette), so it can be
tested on its own:

* :func:`error_body` builds ``{"error": {"code", "message", "innerError": {...}}}``;
* :func:`parse_prefer` reads the ``Prefer`` header;
* :class:`ODataQuery` parses and validates ``$top``, ``$skip``, ``$skiptoken``,
  ``$count``, ``$filter``, ``$orderby`` and ``$select`` (in
  :mod:`sdssim.server.odata_query`, with :func:`page` and :func:`select_fields`);
* :func:`compile_filter` turns a ``$filter`` expression into a predicate over a
  resource's JSON (:mod:`sdssim.server.odata_filter`);
* :func:`page` applies a query to a collection and writes ``@odata.count`` and an
  absolute ``@odata.nextLink``.

Refusals raise :class:`sdssim.errors.BadRequest`, which the app renders like
any other Graph error.
"""

from __future__ import annotations

from typing import Any

from sdssim.server.odata_filter import compile_filter
from sdssim.server.odata_query import ODataQuery, page, select_fields

__all__ = [
    "JSON",
    "error_body",
    "parse_prefer",
    "ODataQuery",
    "compile_filter",
    "page",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "select_fields",
]

#: The media type of every JSON answer.
JSON = "application/json"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999


def error_body(
    code: str,
    message: str,
    *,
    date: str,
    request_id: str,
    client_request_id: str,
    details: list[dict] | None = None,
) -> dict:
    """A Graph error document; ``date`` is the simulation's (virtual) now."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    error["innerError"] = {
        "date": date,
        "request-id": request_id,
        "client-request-id": client_request_id,
    }
    return {"error": error}


# --------------------------------------------------------------------------- Prefer


def parse_prefer(values: list[str]) -> dict[str, str | None]:
    """``Prefer`` header values → ``{preference: value-or-None}`` (names lower-cased).

    ``Prefer: include-unknown-enum-members, odata.maxpagesize=5`` gives
    ``{"include-unknown-enum-members": None, "odata.maxpagesize": "5"}``.
    """
    out: dict[str, str | None] = {}
    for header in values:
        for item in header.split(","):
            item = item.split(";", 1)[0].strip()
            if not item:
                continue
            name, sep, value = item.partition("=")
            out[name.strip().lower()] = value.strip().strip('"') if sep else None
    return out
