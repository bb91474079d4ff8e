"""The cattrs converter and the wire rules shared by every Graph resource.

Wire format:

* keys are Graph's camelCase names; ``None`` fields are left out;
* timestamps are ISO 8601 UTC ending in ``Z`` (:func:`sdssim.clock.format_timestamp`);
  ``0001-01-01T00:00:00Z`` is :data:`sdssim.clock.NEVER`.  Fractions of up to six
  digits round-trip exactly; .NET's seven-digit (tick) fractions are truncated
  to microseconds;
* durations are ISO 8601 (``PT40M``); TimeSpan.MaxValue
  ``P10675199DT2H48M5.4775807S`` round-trips exactly;
* dates (``expirationDate``) are ``YYYY-MM-DD``;
* members of a polymorphic property carry ``"@odata.type": "#microsoft.graph.X"``.

Input: ``@odata.*`` keys and property annotations (``name@odata.*``) are
ignored, except ``@odata.type`` on a polymorphic property, which picks the
class (with or without ``#``, with or without ``microsoft.graph.``, any case).
Enum members are matched case-insensitively.  Any other unknown key, a value of
the wrong JSON type (``true`` is not an integer), an unknown enum member, a bad
timestamp or duration raises :class:`sdssim.errors.ModelError` whose ``path``
is the dotted wire path, e.g. ``status.progress[0].totalUnits``.

Unstructuring runs on functions cattrs generates once per class
(``make_dict_unstructure_fn``), with each field's hook resolved up front.
Structuring uses per-class hooks built here (registered on the same converter)
so that errors carry exact paths instead of cattrs' exception groups.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
import types
import typing
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

import attrs
import cattrs
import pendulum
from cattrs.gen import make_dict_unstructure_fn, override

from sdssim.clock import format_duration, parse_duration, parse_timestamp
from sdssim.errors import ModelError

__all__ = ["converter", "GraphResource", "register", "camel", "unstructure_fn"]

T = TypeVar("T", bound=attrs.AttrsInstance)
Parser = Callable[[Any, str], Any]

#: The one converter for every Graph resource.
converter = cattrs.Converter()

_UTC_ZONES = (None, pendulum.UTC, _dt.timezone.utc)


def _unstructure_datetime(value: _dt.datetime) -> str:
    """Same text as :func:`sdssim.clock.format_timestamp` (naive = UTC), about 4x faster:
    snapshots write many timestamps."""
    if value.tzinfo not in _UTC_ZONES:
        offset = value.utcoffset()
        if offset:
            value = value - offset
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    micro = value.microsecond
    if micro:
        text += "." + f"{micro:06d}".rstrip("0")
    return text + "Z"


converter.register_unstructure_hook(_dt.datetime, _unstructure_datetime)
converter.register_unstructure_hook(_dt.timedelta, format_duration)
converter.register_unstructure_hook(_dt.date, _dt.date.isoformat)


def _enum_value(member: enum.Enum) -> Any:
    return member.value


_UNSTRUCTURE: dict[type, Callable[[Any], dict[str, Any]]] = {}
_PARSERS: dict[type, Parser] = {}
_ODATA_NAMES: dict[type, str] = {}


def camel(name: str) -> str:
    """``count_imported_reference_deltas`` → ``countImportedReferenceDeltas``."""
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_JSON_TYPES = {
    dict: "object",
    list: "array",
    tuple: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _jtype(value: Any) -> str:
    for cls, name in _JSON_TYPES.items():
        if type(value) is cls:
            return name
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _expected(path: str, what: str, value: Any) -> ModelError:
    return ModelError(path, f"expected {what}, got {_jtype(value)}")


# --------------------------------------------------------------------------- scalars


def _parse_str(value: Any, path: str) -> str:
    if type(value) is not str:
        raise _expected(path, "a string", value)
    return value


def _parse_int(value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _expected(path, "an integer", value)
    return int(value)


def _parse_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _expected(path, "a boolean", value)
    return value


def _parse_datetime(value: Any, path: str) -> _dt.datetime:
    if not isinstance(value, str):
        raise _expected(path, "an ISO 8601 timestamp string", value)
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise ModelError(path, str(exc)) from None


def _parse_timedelta(value: Any, path: str) -> _dt.timedelta:
    if not isinstance(value, str):
        raise _expected(path, "an ISO 8601 duration string", value)
    if not value.strip().startswith("P"):
        raise ModelError(path, f"not an ISO 8601 duration: {value!r}")
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ModelError(path, str(exc)) from None


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parse_date(value: Any, path: str) -> _dt.date:
    if not isinstance(value, str):
        raise _expected(path, "a date string (YYYY-MM-DD)", value)
    if not _DATE.match(value):
        raise ModelError(path, f"not a date (YYYY-MM-DD): {value!r}")
    try:
        return _dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ModelError(path, f"not a valid date: {value!r} ({exc})") from None


def _parse_dict(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _expected(path, "an object", value)
    return dict(value)


def _enum_parser(cls: type[enum.Enum]) -> Parser:
    exact = {m.value: m for m in cls}
    folded = {m.value.lower(): m for m in cls}
    allowed = ", ".join(m.value for m in cls)

    def parse(value: Any, path: str) -> enum.Enum:
        if type(value) is not str:
            raise _expected(path, f"one of {allowed}", value)
        member = exact.get(value) or folded.get(value.lower())
        if member is None:
            raise ModelError(path, f"unknown {cls.__name__} member {value!r} (expected one of {allowed})")
        return member

    return parse


def _tuple_parser(item: Parser) -> Parser:
    def parse(value: Any, path: str) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise _expected(path, "an array", value)
        return tuple(item(v, f"{path}[{i}]") for i, v in enumerate(value))

    return parse


def _odata_key(text: str) -> str:
    key = text.strip().lstrip("#").lower()
    if key.startswith("microsoft.graph."):
        key = key[len("microsoft.graph."):]
    return key


def _union_parser(options: tuple[type, ...]) -> Parser:
    by_name = {}
    for cls in options:
        if cls not in _ODATA_NAMES:
            raise TypeError(f"{cls.__name__} is in a union but has no @odata.type")
        by_name[_odata_key(_ODATA_NAMES[cls])] = cls
    allowed = ", ".join("#microsoft.graph." + _ODATA_NAMES[c] for c in options)

    def parse(value: Any, path: str) -> Any:
        if not isinstance(value, Mapping):
            raise _expected(path, "an object", value)
        tag = value.get("@odata.type")
        if tag is None:
            raise ModelError(_join(path, "@odata.type"), f"missing; expected one of {allowed}")
        if not isinstance(tag, str):
            raise _expected(_join(path, "@odata.type"), "a string", tag)
        cls = by_name.get(_odata_key(tag))
        if cls is None:
            raise ModelError(_join(path, "@odata.type"), f"unknown type {tag!r}; expected one of {allowed}")
        return _PARSERS[cls](value, path)

    return parse


_SCALARS: dict[Any, Parser] = {
    str: _parse_str,
    int: _parse_int,
    bool: _parse_bool,
    _dt.datetime: _parse_datetime,
    _dt.timedelta: _parse_timedelta,
    _dt.date: _parse_date,
    dict: _parse_dict,
}


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = tuple(a for a in typing.get_args(tp) if a is not type(None))
        return args[0] if len(args) == 1 else typing.Union[args]  # noqa: UP007
    return tp


def _parser_for(tp: Any) -> Parser:
    tp = _strip_optional(tp)
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin = typing.get_origin(tp)
    if origin is dict:
        return _parse_dict
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"only tuple[X, ...] is supported, not {tp}")
        return _tuple_parser(_parser_for(args[0]))
    if origin in (typing.Union, types.UnionType):
        return _union_parser(typing.get_args(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_parser(tp)
    if isinstance(tp, type) and attrs.has(tp):
        if tp not in _PARSERS:
            raise TypeError(f"register {tp.__name__} before the classes that use it")
        return _PARSERS[tp]
    raise TypeError(f"no wire parser for {tp!r}")


# --------------------------------------------------------------------------- classes


class GraphResource:
    """Mixin giving every resource ``from_json`` and ``to_json``."""

    __slots__ = ()

    @classmethod
    def from_json(cls: type[T], data: Mapping[str, Any]) -> T:
        """Build from a Graph JSON document; raises :class:`ModelError` if it does not fit."""
        return converter.structure(data, cls)

    def to_json(self, *, include_unknown_enum_members: bool = False) -> dict[str, Any]:
        """The Graph JSON document (``None`` fields omitted).

        ``include_unknown_enum_members`` mirrors ``Prefer: include-unknown-enum-members``;
        only :class:`EducationSynchronizationProfileStatus` is affected by it.
        """
        return _UNSTRUCTURE[type(self)](self)


def _class_parser(cls: type, fields: list[tuple[str, str, Parser]]) -> Parser:
    by_wire = {wire: (name, parser) for name, wire, parser in fields}

    def parse(data: Any, path: str) -> Any:
        if not isinstance(data, Mapping):
            raise _expected(path, "an object", data)
        kwargs = {}
        for key, value in data.items():
            entry = by_wire.get(key)
            if entry is None:
                if isinstance(key, str) and "@odata." in key:
                    continue
                raise ModelError(_join(path, str(key)), f"unknown property of {cls.__name__}")
            if value is None:
                continue
            name, parser = entry
            kwargs[name] = parser(value, _join(path, key))
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:  # an attrs validator, if any
            raise ModelError(path, str(exc)) from None

    return parse


def _structure_with(parser: Parser, value: Any, _type: Any) -> Any:
    """A cattrs structure hook that runs one of our parsers from the document's root."""
    return parser(value, "")


def register(odata_type: str | None = None) -> Callable[[type[T]], type[T]]:
    """Class decorator: wire ``cls`` into the converter.

    ``odata_type`` (e.g. ``"educationCsvDataProvider"``) makes the class a
    polymorphic member: ``to_json`` writes ``"@odata.type": "#microsoft.graph.<name>"``.
    Classes must be registered after the classes their fields use.
    """

    def decorate(cls: type[T]) -> type[T]:
        attrs.resolve_types(cls)
        overrides: dict[str, Any] = {}
        parse_fields = []
        for a in attrs.fields(cls):
            wire = camel(a.name)
            inner = _strip_optional(a.type)
            kw: dict[str, Any] = {"rename": wire}
            if typing.get_origin(inner) in (typing.Union, types.UnionType):
                kw["unstruct_hook"] = converter.unstructure  # dispatch on the runtime class
            elif isinstance(inner, type) and issubclass(inner, enum.Enum):
                # str-mixin enums would otherwise hit cattrs' identity hook for str
                converter.register_unstructure_hook(inner, _enum_value)
                kw["unstruct_hook"] = _enum_value
            else:
                kw["unstruct_hook"] = converter.get_unstructure_hook(inner)
            if a.default is not None:
                kw["omit_if_default"] = False
            overrides[a.name] = override(**kw)
            parse_fields.append((a.name, wire, _parser_for(a.type)))
        fn = make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides)
        if odata_type is not None:
            _ODATA_NAMES[cls] = odata_type
            tag = "#microsoft.graph." + odata_type
            plain = fn

            def fn(obj: Any, _plain: Callable[[Any], dict[str, Any]] = plain,
                   _tag: str = tag) -> dict[str, Any]:
                return {"@odata.type": _tag, **_plain(obj)}

        _UNSTRUCTURE[cls] = fn
        converter.register_unstructure_hook(cls, fn)
        parser = _class_parser(cls, parse_fields)
        _PARSERS[cls] = parser
        converter.register_structure_hook(cls, partial(_structure_with, parser))
        return cls

    return decorate


def unstructure_fn(cls: type) -> Callable[[Any], dict[str, Any]]:
    """The generated unstructure function of a registered class."""
    return _UNSTRUCTURE[cls]
