"""OData ``$filter``: an expression compiled into a predicate over a resource's JSON.

:func:`compile_filter` supports ``eq ne gt ge lt le``, ``and or not``,
parentheses, ``startswith/endswith/contains(prop, 'text')`` and nested
properties written ``status/code``.  A malformed expression, one nested too
deep or too long (:mod:`sdssim.server.guards`) or naming an unknown property
raises :class:`sdssim.errors.BadRequest`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sdssim.errors import BadRequest
from sdssim.server.guards import MAX_FILTER_DEPTH, MAX_FILTER_LENGTH

__all__ = ["Predicate", "compile_filter", "lookup"]

Predicate = Callable[[Mapping[str, Any]], bool]

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


def lookup(doc: Mapping[str, Any], path: tuple[str, ...]) -> Any:
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
                value = lookup(doc, path)
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
        return lambda doc: _compare(op, lookup(doc, path), value)


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
