"""Microsoft Graph wire conventions: error bodies, OData query options, paging, ``Prefer``.

Everything here is plain Python over JSON documents (no Starlette), so it can be
tested on its own:

* :func:`error_body` builds ``{"error": {"code", "message", "innerError": {...}}}``;
* :class:`ODataQuery` parses and validates ``$top``, ``$skip``, ``$skiptoken``,
  ``$count``, ``$filter``, ``$orderby`` and ``$select``;
* :func:`compile_filter` turns a ``$filter`` expression into a predicate over a
  resource's JSON;
* :func:`page` applies a query to a collection and writes ``@odata.count`` and an
  absolute ``@odata.nextLink``;
* :func:`parse_prefer` reads the ``Prefer`` header.

Refusals raise :class:`sdssim.errors.BadRequest`, which the app renders like
any other Graph error.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from sdssim.errors import BadRequest
from sdssim.server.guards import MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, ascii_int

__all__ = [
    "JSON",
    "error_body",
    "parse_prefer",
    "ODataQuery",
    "compile_filter",
    "page",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
]

#: The media type of every JSON answer.
JSON = "application/json"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999

Predicate = Callable[[Mapping[str, Any]], bool]


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


# --------------------------------------------------------------------------- $filter

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^']|'')*')
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<lp>\()
      | (?P<rp>\))
      | (?P<comma>,)
      | (?P<name>[A-Za-z_@][A-Za-z0-9_./@-]*)
    )""",
    re.VERBOSE,
)
_COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"startswith", "endswith", "contains"}


def _tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise BadRequest(f"Invalid filter clause: syntax error at position {pos} in '{text}'.")
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            tokens.append(("lit", value[1:-1].replace("''", "'")))
        elif kind == "num":
            tokens.append(("lit", float(value) if "." in value else int(value)))
        elif kind == "name":
            low = value.lower()
            if low in ("true", "false"):
                tokens.append(("lit", low == "true"))
            elif low == "null":
                tokens.append(("lit", None))
            elif low in _COMPARE or low in ("and", "or", "not"):
                tokens.append(("op", low))
            else:
                tokens.append(("name", value))
        else:
            tokens.append((kind, value))
    return tokens


def _lookup(doc: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = doc
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _compare(op: str, left: Any, right: Any) -> bool:
    left, right = _norm(left), _norm(right)
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if left is None or right is None:
        return False
    if isinstance(left, bool) != isinstance(right, bool) or (
        isinstance(left, str) != isinstance(right, str)
    ):
        return False
    if op == "gt":
        return left > right
    if op == "ge":
        return left >= right
    if op == "lt":
        return left < right
    return left <= right


class _FilterParser:
    def __init__(self, text: str, properties: frozenset[str] | None, type_name: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0
        self.properties = properties
        self.type_name = type_name

    def fail(self, what: str) -> BadRequest:
        return BadRequest(f"Invalid filter clause: {what} in '{self.text}'.")

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, value: Any = None) -> Any:
        tok = self.peek()
        if tok is None or tok[0] != kind or (value is not None and tok[1] != value):
            found = "end of expression" if tok is None else repr(tok[1])
            raise self.fail(f"expected {value or kind}, found {found}")
        self.pos += 1
        return tok[1]

    def parse(self) -> Predicate:
        if not self.tokens:
            raise self.fail("empty expression")
        pred = self.parse_or()
        extra = self.peek()
        if extra is not None:
            raise self.fail(f"unexpected {extra[1]!r}")
        return pred

    def parse_or(self) -> Predicate:
        parts = [self.parse_and()]
        while self.peek() == ("op", "or"):
            self.pos += 1
            parts.append(self.parse_and())
        if len(parts) == 1:
            return parts[0]
        return lambda doc: any(p(doc) for p in parts)

    def parse_and(self) -> Predicate:
        parts = [self.parse_unary()]
        while self.peek() == ("op", "and"):
            self.pos += 1
            parts.append(self.parse_unary())
        if len(parts) == 1:
            return parts[0]
        return lambda doc: all(p(doc) for p in parts)

    def parse_unary(self) -> Predicate:
        tok = self.peek()
        if tok == ("op", "not") or (tok is not None and tok[0] == "lp"):
            self.depth += 1
            if self.depth > MAX_FILTER_DEPTH:
                raise self.fail(f"nested more than {MAX_FILTER_DEPTH} levels deep "
                                "(parentheses and 'not')")
            try:
                self.pos += 1
                if tok == ("op", "not"):
                    inner = self.parse_unary()
                    return lambda doc: not inner(doc)
                inner = self.parse_or()
                self.take("rp")
                return inner
            finally:
                self.depth -= 1
        return self.parse_comparison()

    def prop(self) -> tuple[str, ...]:
        name = self.take("name")
        path = tuple(name.split("/"))
        if any(not part for part in path):
            raise self.fail(f"bad property path {name!r}")
        if self.properties is not None and path[0] not in self.properties:
            raise BadRequest(
                f"Could not find a property named '{path[0]}' on type "
                f"'microsoft.graph.{self.type_name}'."
            )
        return path

    def literal(self) -> Any:
        tok = self.peek()
        if tok is None or tok[0] != "lit":
            raise self.fail("expected a literal")
        self.pos += 1
        return tok[1]

    def parse_comparison(self) -> Predicate:
        tok = self.peek()
        if tok is None:
            raise self.fail("unexpected end of expression")
        if tok[0] == "name" and tok[1].lower() in _FUNCTIONS:
            func = tok[1].lower()
            self.pos += 1
            self.take("lp")
            path = self.prop()
            self.take("comma")
            arg = self.literal()
            self.take("rp")
            if not isinstance(arg, str):
                raise self.fail(f"{func} needs a string literal")
            needle = arg.lower()

            def check(doc: Mapping[str, Any]) -> bool:
                value = _lookup(doc, path)
                if not isinstance(value, str):
                    return False
                value = value.lower()
                if func == "startswith":
                    return value.startswith(needle)
                if func == "endswith":
                    return value.endswith(needle)
                return needle in value

            return check
        path = self.prop()
        tok = self.peek()
        if tok is None or tok[0] != "op" or tok[1] not in _COMPARE:
            raise self.fail(f"expected a comparison operator after '{'/'.join(path)}'")
        self.pos += 1
        op = tok[1]
        value = self.literal()
        return lambda doc: _compare(op, _lookup(doc, path), value)


def compile_filter(
    text: str, properties: frozenset[str] | None = None, type_name: str = "entity"
) -> Predicate:
    """Compile an OData ``$filter`` expression into a predicate over JSON documents.

    Supported: ``eq ne gt ge lt le``, ``and or not``, parentheses,
    ``startswith/endswith/contains(prop, 'text')``, nested properties written
    ``status/code``; literals are ``'strings'`` (``''`` escapes a quote),
    numbers, ``true``, ``false`` and ``null``.  String comparisons ignore case
    (as Graph's directory queries do).  ``properties`` (top-level JSON names)
    makes an unknown property a 400, as Graph answers.
    """
    if len(text) > MAX_FILTER_LENGTH:
        raise BadRequest(f"Invalid filter clause: longer than {MAX_FILTER_LENGTH} characters.")
    return _FilterParser(text, properties, type_name).parse()


# --------------------------------------------------------------------------- query options

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
    return _sort_key(_lookup(doc, path))


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
