"""Located problems: collecting them for one file, and the words they are written in.

A problem points at a path in the document (a tuple of mapping keys and list
indexes); :class:`Checker` turns the path into the line and column it was
written at.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any

from sdssim.errors import Problem

from ._yaml import Locations

__all__ = ["YPath", "Checker", "describe", "type_name", "literal", "suggest", "in_order"]

#: A place in the document: mapping keys and list indexes from the top.
YPath = tuple[Any, ...]


class Checker:
    """Collects problems for one file."""

    def __init__(self, file: str, locs: Locations) -> None:
        self.file = file
        self.locs = locs
        self.problems: list[Problem] = []

    def at_value(self, path: YPath, message: str) -> None:
        line, col = self.locs.value(path)
        self.problems.append(Problem(self.file, line, col, message))

    def at_key(self, path: YPath, message: str) -> None:
        line, col = self.locs.key(path)
        self.problems.append(Problem(self.file, line, col, message))


def in_order(problems: list[Problem]) -> list[Problem]:
    """Each problem once, by position."""
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.line, p.column, p.message))


def describe(path: YPath) -> str:
    """``timeline[3].expect.job``: a path as a problem names it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "scenario"


#: Python types as a scenario writer names them; ``bool`` before ``int``, its base.
_TYPE_WORDS = ((bool, "a boolean"), (int, "an integer"), (float, "a number"),
               (str, "a string"), (list, "a list"), (dict, "a mapping"))


def type_name(value: Any) -> str:
    """What a value is, as a scenario writer would say it: ``a mapping``, ``an integer``."""
    if value is None:
        return "null"
    for kind, words in _TYPE_WORDS:
        if isinstance(value, kind):
            return words
    return type(value).__name__


def literal(value: Any) -> str:
    """A value as written: ``'text'``, ``12``, ``true``."""
    if isinstance(value, str):
        return repr(value)
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def suggest(word: Any, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or nothing."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
