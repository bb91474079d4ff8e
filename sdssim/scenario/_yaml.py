"""YAML (and JSON) loading that remembers where every value came from.

:func:`load_text` returns the document as plain Python data plus a
:class:`Locations` table mapping each path (a tuple of mapping keys and
sequence indexes) to the 1-based line and column of its value and, for
mapping members, of its key.  Timestamps stay strings (the scenario layer
parses them itself) and a duplicate key is a problem instead of silently
replacing the first value.  JSON is YAML, so ``.json`` scenarios load the
same way.  :func:`read_text` reads a scenario's files (UTF-8, a BOM tolerated).

When PyYAML has libyaml, the events come from its C parser (the nodes are still
composed here, with the same limits and resolvers): a third of the time for a
big file.  Only texts without tabs, carriage returns, other line breaks or a BOM
go that way (where the two parsers part: libyaml takes a tab inside a plain
scalar, PyYAML refuses it); anything libyaml refuses or trips on is parsed again
by the pure-Python parser, and so is a file with any problem (``loader``), so
every problem reads exactly as before.  ``tests/scenario/test_loader.py``
compares the two on the bundled scenarios and on hostile mutants of them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from sdssim.errors import Problem

from .limits import MAX_ALIASES, MAX_CSV_BYTES, MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_NODES

__all__ = ["Locations", "can_load_fast", "load_text", "read_text", "decode"]

#: the only tags a scenario may carry (explicitly or implicitly)
_SCALAR_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}
_SEQ_TAG, _MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Limit(Exception):
    """A hard limit was hit: stop parsing, report where."""

    def __init__(self, where: tuple[int, int], message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message

Path = tuple[Any, ...]


class _Limits:
    """Composing counts nesting depth and aliases and stops at the limits."""

    _depth = 0
    _aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        where = (event.start_mark.line + 1, event.start_mark.column + 1)
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Limit(where, f"more than {MAX_ALIASES} YAML aliases "
                             f"(limit MAX_ALIASES = {MAX_ALIASES})")
            return Composer.compose_node(self, parent, index)  # type: ignore[arg-type]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Limit(where, f"values nested more than {MAX_DEPTH} levels deep "
                             f"(limit MAX_DEPTH = {MAX_DEPTH})")
            return Composer.compose_node(self, parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1


class _Loader(_Limits, yaml.SafeLoader):
    """SafeLoader that keeps ``2026-09-01T08:00:00Z`` and ``8:05`` strings.

    YAML 1.1 reads unquoted timestamps as datetimes and ``8:05`` as the
    base-60 integer 485; scenario times are strings, so both resolvers go.
    Composing counts nesting depth and aliases and stops at the limits.
    """


_DROPPED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+)$""", re.X),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."),
)


def _c_parser() -> Any:
    """libyaml's event parser, when PyYAML was built with it; else ``None``."""
    if not getattr(yaml, "__with_libyaml__", False):
        return None
    from yaml import cyaml

    return getattr(cyaml, "CParser", None)


_CParser: Any = _c_parser()

if _CParser is not None:
    class _FastLoader(_Limits, _CParser, Composer, SafeConstructor, Resolver):
        """:class:`_Loader` on libyaml's events: the same composer, limits and resolvers."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        # the Python composer (with the limits), not libyaml's
        check_node = Composer.check_node
        get_node = Composer.get_node
        get_single_node = Composer.get_single_node

    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FastLoader.yaml_constructors = _Loader.yaml_constructors


class Locations:
    """Where each value (and each mapping key) of a loaded document starts."""

    def __init__(self) -> None:
        self.values: dict[Path, tuple[int, int]] = {}
        self.keys: dict[Path, tuple[int, int]] = {}

    def value(self, path: Path) -> tuple[int, int]:
        """Line and column of the value at ``path`` (or of its nearest parent)."""
        path = tuple(path)
        while path and path not in self.values:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def key(self, path: Path) -> tuple[int, int]:
        """Line and column of the key naming ``path`` (else of its value)."""
        path = tuple(path)
        return self.keys[path] if path in self.keys else self.value(path)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, loader: _Loader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.locs = Locations()
        self.problems: list[Problem] = []
        self._active: set[int] = set()
        self._nodes = 0
        #: each distinct string once: a file of 100,000 jobs repeats a few values (scim,
        #: start_job, +0m) and names each job twice
        self._strings: dict[str, str] = {}

    def problem(self, where: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.file, where[0], where[1], message))

    def build(self, node: yaml.Node, path: Path) -> Any:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Limit(_mark(node), f"more than {MAX_NODES:,} values once YAML aliases are "
                         f"expanded (limit MAX_NODES = {MAX_NODES:,}; an alias bomb?)")
        if len(path) > MAX_DEPTH:
            raise _Limit(_mark(node), f"values nested more than {MAX_DEPTH} levels deep once "
                         f"YAML aliases are expanded (limit MAX_DEPTH = {MAX_DEPTH})")
        self.locs.values[path] = _mark(node)
        if id(node) in self._active:
            self.problem(_mark(node), "a YAML alias may not refer to its own parent")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        wanted = _SEQ_TAG if isinstance(node, yaml.SequenceNode) else _MAP_TAG
        if node.tag != wanted:
            self.problem(_mark(node), f"YAML tag {_short(node.tag)} is not allowed in a "
                         "scenario (only plain lists and mappings)")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)  # the composer makes nothing else
            self.loader.flatten_mapping(node)  # merge keys (<<)
            result: dict[Any, Any] = {}
            first: dict[Any, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problem(_mark(key_node), "a mapping key must be a plain value")
                    continue
                key = self.loader.construct_object(key_node)
                if not isinstance(key, Hashable):
                    self.problem(_mark(key_node), "a mapping key must be a plain value")
                    continue
                if type(key) is str:
                    key = self._strings.setdefault(key, key)
                if key in first:
                    self.problem(
                        _mark(key_node),
                        f"duplicate key {key!r} (first given at line {first[key][0]})",
                    )
                    continue
                first[key] = _mark(key_node)
                self.locs.keys[path + (key,)] = _mark(key_node)
                result[key] = self.build(value_node, path + (key,))
            return result
        finally:
            self._active.discard(id(node))


    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.problem(_mark(node), f"YAML tag {_short(node.tag)} is not allowed in a scenario "
                         "(only !!str, !!int, !!float, !!bool and !!null)")
            return None
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError,
                yaml.YAMLError):
            self.problem(_mark(node), f"{node.value[:40]!r} cannot be read as "
                         f"{_short(node.tag)}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(_mark(node), f"{node.value[:40]!r}: a scenario number must be finite")
            return None
        if isinstance(value, str):
            if _SURROGATE.search(value):
                self.problem(_mark(node), "a string holds a lone UTF-16 surrogate (\\uD800-"
                             "\\uDFFF), which is not a character")
                return None
            return self._strings.setdefault(value, value)
        return value


def _short(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag


def decode(raw: bytes, file: str, size: int | None = None) -> tuple[str | None, list[Problem]]:
    """A scenario file's bytes as text; else ``None`` and the problem, located.

    Refuses files over ``MAX_DOCUMENT_BYTES`` and bytes that are not UTF-8 (a BOM
    is tolerated), naming the line and column of the first bad byte.  ``raw`` may
    stop one byte past the limit; ``size`` is then the whole file's, when known.
    """
    if len(raw) > MAX_DOCUMENT_BYTES:
        whole = f"{size:,} bytes" if size is not None and size >= len(raw) \
            else f"more than {MAX_DOCUMENT_BYTES:,} bytes"
        return None, [Problem(file, 1, 1, f"the file is {whole}, over the "
                              f"{MAX_DOCUMENT_BYTES:,}-byte limit for a scenario "
                              "(limit MAX_DOCUMENT_BYTES; many jobs alike are one "
                              "declaration with count)")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = raw[:exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [Problem(file, line, column, f"not UTF-8 text: byte "
                              f"0x{raw[exc.start]:02x} cannot start or continue a character")]


def read_text(path: str, limit: int = MAX_CSV_BYTES) -> str:
    """The text of a CSV file next to a scenario (UTF-8, a BOM tolerated).

    ``ValueError`` (``UnicodeDecodeError`` included) when it is not UTF-8 or is
    larger than ``limit`` bytes.
    """
    with open(path, "rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"over the {limit:,}-byte limit for a CSV file (limit MAX_CSV_BYTES)")
    return raw.decode("utf-8-sig")


def load_text(text: str, file: str, *, fast: bool = True) -> tuple[Any, Locations, list[Problem]]:
    """Parse ``text``; return ``(data, locations, problems)``.

    A syntax error gives ``data=None`` and one problem located where the
    parser stopped.  A duplicate key is a problem (the data keeps the first
    value, which is the one the problem message points back to).  ``fast``
    lets libyaml parse when :func:`can_load_fast`; any problem is found by the
    pure-Python parser.
    """
    if len(text) > MAX_DOCUMENT_BYTES:
        return None, Locations(), [Problem(file, 1, 1, f"the text is {len(text):,} characters, "
                                           f"over the {MAX_DOCUMENT_BYTES:,} limit for a "
                                           "scenario (limit MAX_DOCUMENT_BYTES)")]
    if fast and can_load_fast(text):
        done = _load_fast(text, file)
        if done is not None:
            return done
    return _load(text, file)


#: characters on which the two parsers part (libyaml takes a tab inside a plain scalar,
#: which PyYAML refuses) or might (other line breaks, a BOM inside): such texts go slowly
_NOT_FAST = re.compile("[\t\r\x85\u2028\u2029\ufeff]")


def can_load_fast(text: str) -> bool:
    """Does :func:`load_text` parse ``text`` with libyaml?  (Installed, and no character
    the two parsers might read differently.)"""
    return _CParser is not None and not _NOT_FAST.search(text) \
        and not _Loader.NON_PRINTABLE.search(text)  # what the pure-Python reader refuses


def _parse(loader: Any, file: str) -> tuple[Any, Locations, list[Problem]]:
    """The document of ``loader`` (either parser), built with its places; the loader is
    disposed of afterwards.  YAML errors and limits propagate."""
    try:
        node = loader.get_single_node()
        if node is None:
            return None, Locations(), []
        builder = _Builder(loader, file)
        return builder.build(node, ()), builder.locs, builder.problems
    finally:
        loader.dispose()


def _load_fast(text: str, file: str) -> tuple[Any, Locations, list[Problem]] | None:
    """:func:`load_text` on libyaml's parser; ``None`` when it fails in any way (then the
    pure-Python parser says why, in its words)."""
    try:
        done = _parse(_FastLoader(text), file)
    except Exception:  # a syntax error, a limit, a string libyaml cannot take: say it slowly
        return None
    return None if done[2] else done  # every problem is said by the pure-Python parser


def _load(text: str, file: str) -> tuple[Any, Locations, list[Problem]]:
    try:
        return _parse(_Loader(text), file)
    except _Limit as exc:
        return None, Locations(), [Problem(file, exc.where[0], exc.where[1], exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, Locations(), [
            Problem(file, line, col, f"YAML syntax error: {reason or 'cannot parse'}")
        ]
    except yaml.YAMLError as exc:  # reader errors: control characters, bad encoding
        line, col = _reader_position(exc, text)
        reason = getattr(exc, "reason", None) or " ".join(str(exc).split())
        return None, Locations(), [Problem(file, line, col, f"YAML syntax error: {reason}")]


def _reader_position(exc: yaml.YAMLError, text: str) -> tuple[int, int]:
    position = getattr(exc, "position", None)
    if isinstance(position, int):
        before = text[:position]
        return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
    return 1, 1
