"""The shipped JSON Schema, and its violations said as located problems.

:func:`schema_errors` reports every violation of ``schema.json`` in words a
scenario writer reads (``unknown field 'seeds' in scenario (did you mean
'seed'?)``), at the key or value at fault.

Two validators share the one schema.  ``jsonschema`` (Python) finds and words
the violations; ``jsonschema_rs`` (compiled) first answers whether there are any,
a hundred times faster on a big file.  Its yes is taken only where the two
cannot part: it may refuse what Python takes (its ``$`` does not match before a
last newline; a huge integer it cannot hold), and then Python decides, but it
takes ``2.0`` as an integer where a scenario does not, so a document holding a
whole-number float always goes to Python.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs

from .problems import Checker, YPath, describe, literal, suggest, type_name

__all__ = ["schema", "schema_errors"]

_TYPE_NAMES = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "true or false", "null": "null",
}


@cache
def schema() -> dict[str, Any]:
    """The scenario JSON Schema (Draft 2020-12) shipped as ``sdssim/scenario/schema.json``."""
    text = resources.files("sdssim.scenario").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


def _is_integer(checker: Any, instance: Any) -> bool:
    """``2.0`` is not an integer in a scenario (JSON Schema would say it is)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    base = jsonschema.Draft202012Validator
    strict = jsonschema.validators.extend(
        base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_integer))
    return strict(schema())


@cache
def _fast_validator() -> Any:
    return jsonschema_rs.Draft202012Validator(schema())


def _whole_float(data: Any) -> bool:
    """Does ``data`` hold a float with a whole value (``2.0``) anywhere, keys included?"""
    stack = [data]
    pop, push = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is dict:
            push(value)
            push(value.values())
        elif kind is list:
            push(value)
        elif kind is float and value.is_integer():
            return True
    return False


def surely_valid(data: Any) -> bool:
    """Does ``data`` fit the schema, said by the compiled validator?  ``False`` means
    "ask :func:`schema_errors`", not "invalid"."""
    try:
        return _fast_validator().is_valid(data) and not _whole_float(data)
    except (ValueError, TypeError, OverflowError, jsonschema_rs.ValidationError):
        return False  # a value it cannot take (a huge integer): Python decides


def schema_errors(checker: Checker, data: Any) -> set[YPath]:
    """Report every schema violation; return the paths of the values at fault."""
    bad: set[YPath] = set()
    if surely_valid(data):
        return bad
    for error in _validator().iter_errors(data):
        _report(checker, error)
        bad.add(tuple(error.absolute_path))
    return bad


def _report(c: Checker, error: jsonschema.ValidationError) -> None:
    path = tuple(error.absolute_path)
    where = describe(path)
    sch = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    # jsonschema types these as possibly unset; for a reported error they are always set
    instance: Any = error.instance
    expected_value: Any = error.validator_value
    if kind == "additionalProperties":
        allowed = list(sch.get("properties", {}))
        extras = [k for k in instance if k not in sch.get("properties", {})]
        for key in extras:
            c.at_key(path + (key,), f"unknown field {key!r} in {where}{suggest(key, allowed)}")
    elif kind == "required":
        missing = [k for k in expected_value if k not in instance]
        for key in missing:
            c.at_value(path, f"{where}: missing required field {key!r}")
    elif kind == "type":
        expected = expected_value
        names = [expected] if isinstance(expected, str) else list(expected)
        want = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        c.at_value(path, f"{where}: expected {want}, got {type_name(instance)}")
    elif kind == "enum":
        if _property_name_error(c, error, path):
            return
        title = sch.get("title", "value")
        options = ", ".join("null" if v is None else str(v) for v in expected_value)
        c.at_value(
            path,
            f"{where}: {literal(instance)} is not a valid {title} (one of: {options})"
            + suggest(instance, [v for v in expected_value if v]),
        )
    elif kind == "not" and _property_name_error(c, error, path):
        return
    elif kind == "pattern":
        if _property_name_error(c, error, path):
            return
        hint = sch.get("x-message") or f"must match {expected_value}"
        c.at_value(path, f"{where}: {instance!r} {hint}")
    elif kind in ("minimum", "maximum"):
        word = "at least" if kind == "minimum" else "at most"
        limit = " (a hard limit)" if kind == "maximum" else ""
        c.at_value(path, f"{where}: must be {word} {expected_value:,}{limit}")
    elif kind == "minLength":
        c.at_value(path, f"{where}: must not be empty")
    elif kind == "minProperties":
        hint = sch.get("x-min-message") or f"needs at least {expected_value} field(s)"
        c.at_value(path, f"{where}: {hint}")
    elif kind == "oneOf" and "x-kind-message" in sch and not isinstance(error.instance, dict):
        return  # not a mapping at all: the "type" error says so
    elif kind == "oneOf" and "x-kind-message" in sch:
        present = [k for k in ("action", "fault", "expect") if k in instance]
        if present:
            c.at_key(path + (present[1],), f"{where}: {sch['x-kind-message']}")
        else:
            c.at_value(path, f"{where}: {sch['x-kind-message']}")
    else:
        c.at_value(path, f"{where}: {error.message}")


def _property_name_error(c: Checker, error: jsonschema.ValidationError, path: YPath) -> bool:
    """``propertyNames`` failures: point at the offending key."""
    if "propertyNames" not in error.schema_path:
        return False
    key = error.instance
    sch = error.schema if isinstance(error.schema, dict) else {}
    where = describe(path)
    if "x-message" in sch:
        c.at_key(path + (key,), f"{where}: field {key!r} {sch['x-message']}")
    elif sch.get("title") == "CSV file" and "enum" in sch:
        c.at_key(
            path + (key,),
            f"{where}: {key!r} is not an SDS CSV file (one of: {', '.join(sch['enum'])})"
            + suggest(key, sch["enum"]),
        )
    elif sch.get("title") == "CSV file name":
        c.at_key(path + (key,), f"{where}: {key!r} is not a CSV file name (NAME.csv)")
    elif sch.get("title") == "dotted path":
        c.at_key(path + (key,), f"{where}: {key!r} is not a dotted path (a.b.c)")
    else:
        c.at_key(path + (key,), f"{where}: {key!r} is not an allowed name")
    return True
