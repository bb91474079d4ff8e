"""Loading and validating scenario files.

Three passes, each collecting every problem it finds:

1. parse YAML/JSON, remembering the line and column of every value (``_yaml``);
2. check the document against the shipped JSON Schema (``schema_check``);
3. check meaning: times, references to profile and job keys, action names
   and arguments, fault parameters, Graph bodies, CSV sources, and
   expectations that could never hold (``semantics`` and its ``semantics_*``).

Any problem raises :class:`sdssim.errors.ScenarioError` listing them all,
sorted by position, each ``FILE:LINE:COLUMN: message``.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from pathlib import Path

from sdssim.errors import Problem, ScenarioError

from ._yaml import can_load_fast, decode, load_text
from .limits import MAX_DOCUMENT_BYTES
from .model import Scenario
from .problems import Checker, in_order, type_name
from .schema_check import schema_errors
from .semantics import Semantics

__all__ = ["load", "load_string", "validate"]


def load(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario file (YAML or JSON).

    Raises :class:`~sdssim.errors.ScenarioError` listing every problem (a file
    that is not UTF-8 or is over the size limit included), or ``OSError`` when
    the file cannot be read.
    """
    name = os.fspath(path)
    with open(name, "rb") as fh:
        raw = fh.read(MAX_DOCUMENT_BYTES + 1)
        size = os.fstat(fh.fileno()).st_size if len(raw) > MAX_DOCUMENT_BYTES else None
    text, problems = decode(raw, name, size)
    if text is None:
        raise ScenarioError(problems)
    return load_string(text, name)


def validate(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem of a scenario file (empty when it is valid); nothing runs."""
    try:
        load(path)
    except ScenarioError as exc:
        return exc.problems
    return []


def load_string(text: str, file: str = "<scenario>") -> Scenario:
    """Load a scenario from text; ``file`` names it in problems and anchors ``folder``."""
    with _no_cyclic_gc():
        if not can_load_fast(text):
            return _load_string(text, file, fast=False)
        try:
            return _load_string(text, file, fast=True)
        except ScenarioError:
            pass
        # A file with problems is read again by the pure-Python parser, which says them.
        return _load_string(text, file, fast=False)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a file loads: loading makes a million
    objects for 100,000 jobs and few cycles, and each full collection would walk them all
    again (half the YAML time of such a file).  Reference counting still frees as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_string(text: str, file: str, *, fast: bool) -> Scenario:
    data, locs, problems = load_text(text, file, fast=fast)
    checker = Checker(file, locs)
    checker.problems.extend(problems)
    if data is None and not problems:
        checker.at_value((), "the file is empty: a scenario needs at least a name and a timeline")
    elif data is not None and not isinstance(data, dict):
        checker.at_value((), f"a scenario is a mapping of fields, not {type_name(data)}")
    scenario = None
    if isinstance(data, dict):
        bad = schema_errors(checker, data)
        # Meaning is checked too, on every part the schema found sound, so one
        # validation reports all the problems of the file.
        scenario = Semantics(checker, data, Path(file), bad).build()
    if checker.problems or scenario is None:
        raise ScenarioError(in_order(checker.problems))
    return scenario
