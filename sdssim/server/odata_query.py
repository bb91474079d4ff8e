"""OData system query options and paging: :class:`ODataQuery` and :func:`page`.

* :class:`ODataQuery` parses and validates ``$top``, ``$skip``, ``$skiptoken``,
  ``$count``, ``$filter``, ``$orderby`` and ``$select``;
* :func:`page` applies a query to a collection and writes ``@odata.count`` and
  an absolute ``@odata.nextLink``;
* :func:`select_fields` applies ``$select`` to one document.

Refusals raise :class:`sdssim.errors.BadRequest`.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from sdssim.errors import BadRequest
from sdssim.server.guards import ascii_int
from sdssim.server.odata_filter import compile_filter, lookup

__all__ = ["ODataQuery", "page", "select_fields"]

_KNOWN_OPTIONS = {"$top", "$skip", "$skiptoken", "$count", "$filter", "$orderby", "$select"}
_UNSUPPORTED = {"$expand", "$search", "$format", "$apply", "$compute", "$levels", "$deltatoken"}


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_token(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise BadRequest(f"Invalid $skiptoken value '{token}'.") from None
    prefix, _, number = text.partition(":")
    offset = ascii_int(number, max_digits=12)
    if prefix != "offset" or offset is None:
        raise BadRequest(f"Invalid $skiptoken value '{token[:40]}'.")
    return offset


def _non_negative(name: str, value: str) -> int:
    number = ascii_int(value, max_digits=9)
    if number is None:
        raise BadRequest(f"Invalid value '{value[:40]}' for query option '{name}': "
                         "expected a non-negative integer.")
    return number


class ODataQuery:
    """The OData system query options of one request, validated.

    ``allowed`` limits which options the resource accepts (a single entity takes
    only ``$select``); an option given twice, an unknown ``$option`` or a
    malformed value is a 400.
    """

    __slots__ = ("top", "skip", "offset", "count", "filter_text", "orderby", "select", "params")

    def __init__(self, params: list[tuple[str, str]], *, allowed: set[str] | None = None) -> None:
        allowed = _KNOWN_OPTIONS if allowed is None else allowed
        seen: dict[str, str] = {}
        self.params = params
        for key, value in params:
            name = key.lower() if key.startswith("$") else key
            if not name.startswith("$"):
                continue
            if name in seen:
                raise BadRequest(f"Query option '{name}' was specified more than once, "
                                 "but it must be specified at most once.")
            if name in _UNSUPPORTED or (name in _KNOWN_OPTIONS and name not in allowed):
                raise BadRequest(f"Query option '{name}' is not supported by this resource.")
            if name not in _KNOWN_OPTIONS:
                raise BadRequest(f"The query parameter '{key}' is not supported.")
            seen[name] = value
        self.top = _non_negative("$top", seen["$top"]) if "$top" in seen else None
        self.skip = _non_negative("$skip", seen["$skip"]) if "$skip" in seen else 0
        self.offset = self.skip + (_decode_token(seen["$skiptoken"]) if "$skiptoken" in seen else 0)
        count = seen.get("$count")
        if count is not None and count.lower() not in ("true", "false"):
            raise BadRequest(f"Invalid value '{count}' for query option '$count': "
                             "expected true or false.")
        self.count = count is not None and count.lower() == "true"
        self.filter_text = seen.get("$filter")
        self.orderby = self._parse_orderby(seen.get("$orderby"))
        select = seen.get("$select")
        self.select = (None if select is None
                       else [s.strip() for s in select.split(",") if s.strip()])
        if self.select is not None and not self.select:
            raise BadRequest("Invalid value '' for query option '$select'.")

    @staticmethod
    def _parse_orderby(text: str | None) -> list[tuple[str, bool]] | None:
        if text is None:
            return None
        out = []
        for part in text.split(","):
            words = part.split()
            if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in
                                                ("asc", "desc")):
                raise BadRequest(f"Invalid $orderby clause '{text}'.")
            out.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
        return out

    def check_properties(self, properties: frozenset[str], type_name: str) -> None:
        """400 for ``$select``/``$orderby`` naming a property the type does not have."""
        names = [p for p in (self.select or [])] + [p for p, _ in (self.orderby or [])]
        for name in names:
            if name.split("/")[0] not in properties:
                raise BadRequest(f"Could not find a property named '{name.split('/')[0]}' on "
                                 f"type 'microsoft.graph.{type_name}'.")


def _sorted_by(path: tuple[str, ...], doc: Mapping[str, Any]) -> tuple[int, Any]:
    """The sort key of ``doc`` by the property at ``path`` (``$orderby``)."""
    return _sort_key(lookup(doc, path))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value.lower())
    return (4, str(value))


def select_fields(doc: Mapping[str, Any], select: list[str] | None) -> dict:
    """``$select``: keep the named properties (and ``@odata.type``, ``id``)."""
    if not select:
        return dict(doc)
    keep = set(select) | {"id", "@odata.type"}
    return {k: v for k, v in doc.items() if k in keep}


def page(
    items: list,
    query: ODataQuery,
    *,
    url: str,
    page_size: int,
    properties: frozenset[str],
    type_name: str,
    context: str,
    serialize: Callable[[Any], dict] | None = None,
) -> dict:
    """One page of a collection answer.

    ``items`` are the collection's members in natural order: JSON documents, or
    objects that ``serialize`` turns into JSON documents (then only the members
    on the page are serialized unless ``$filter``/``$orderby`` need them all).
    ``url`` is the request URL without its query (scheme and host as the client
    used them), used to build the absolute ``@odata.nextLink``.  ``$top`` is
    honoured as the page size (as Graph does for directory collections): a
    client following ``@odata.nextLink`` gets every remaining item.
    """
    query.check_properties(properties, type_name)
    if serialize is not None and (query.filter_text is not None or query.orderby):
        items = [serialize(item) for item in items]
        serialize = None
    if query.filter_text is not None:
        pred = compile_filter(query.filter_text, properties, type_name)
        items = [doc for doc in items if pred(doc)]
    if query.orderby:
        for prop, desc in reversed(query.orderby):
            path = tuple(prop.split("/"))
            items = sorted(items, key=functools.partial(_sorted_by, path), reverse=desc)
    total = len(items)
    size = page_size if query.top is None else min(query.top, page_size)
    start = query.offset
    chunk = items[start:start + size]
    if serialize is not None:
        chunk = [serialize(item) for item in chunk]
    body: dict[str, Any] = {"@odata.context": context}
    if query.count:
        body["@odata.count"] = total
    body["value"] = [select_fields(doc, query.select) for doc in chunk]
    end = start + len(chunk)
    if end < total and size > 0:
        params = [(k, v) for k, v in query.params
                  if k.lower() not in ("$skip", "$skiptoken")]
        params.append(("$skiptoken", _encode_token(end)))
        body["@odata.nextLink"] = url + "?" + urlencode(params, safe="$',/()")
    return body
