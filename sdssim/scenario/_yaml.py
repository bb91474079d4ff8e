"""YAML (and JSON) loading that remembers where every value came from.

:func:`load_text` returns the document as plain Python data plus a
:class:`Locations` table mapping each path (a tuple of mapping keys and
sequence indexes) to the 1-based line and column of its value and, for
mapping members, of its key.  Timestamps stay strings (the scenario layer
parses them itself) and a duplicate key is a problem instead of silently
replacing the first value.  JSON is YAML, so ``.json`` scenarios load the
same way.  :func:`read_text` reads a scenario's files (UTF-8, a BOM tolerated).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml

from sdssim.errors import Problem

__all__ = ["Locations", "load_text", "read_text"]

Path = tuple[Any, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps ``2026-09-01T08:00:00Z`` and ``8:05`` strings.

    YAML 1.1 reads unquoted timestamps as datetimes and ``8:05`` as the
    base-60 integer 485; scenario times are strings, so both resolvers go.
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

    def problem(self, where: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.file, where[0], where[1], message))

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.locs.values[path] = _mark(node)
        if id(node) in self._active:
            self.problem(_mark(node), "a YAML alias may not refer to its own parent")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)
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


def read_text(path: str) -> str:
    """The text of a scenario file or of a CSV file next to it (UTF-8, a BOM tolerated)."""
    with open(path, encoding="utf-8-sig") as fh:
        return fh.read()


def load_text(text: str, file: str) -> tuple[Any, Locations, list[Problem]]:
    """Parse ``text``; return ``(data, locations, problems)``.

    A syntax error gives ``data=None`` and one problem located where the
    parser stopped.  A duplicate key is a problem (the data keeps the first
    value, which is the one the problem message points back to).
    """
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:
        line, col = _reader_position(exc, text)
        reason = getattr(exc, "reason", None) or " ".join(str(exc).split())
        return None, Locations(), [Problem(file, line, col, f"YAML syntax error: {reason}")]
    try:
        try:
            node = loader.get_single_node()
            if node is None:
                return None, Locations(), []
            builder = _Builder(loader, file)
            data = builder.build(node, ())
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
    finally:
        loader.dispose()
    return data, builder.locs, builder.problems


def _reader_position(exc: yaml.YAMLError, text: str) -> tuple[int, int]:
    position = getattr(exc, "position", None)
    if isinstance(position, int):
        before = text[:position]
        return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
    return 1, 1
