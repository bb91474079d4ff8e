"""Checkpoints: a whole simulation as bytes, and back, without ever running code from the file.

A checkpoint file is two header lines and a compressed body::

    SDSSIM-CHECKPOINT
    {"compression": "zlib", "format": 1, "kind": "simulation", "sdssim": "0.1.0", "time": "..."}
    <zlib-compressed pickle protocol 5 of the object graph>

The capture is generic: the object graph under the :class:`Simulation` is
pickled as it is, so a field the engine grows is saved without a hand-written
list.  Three things are not plain data and are written symbolically:

* the scheduler's actions, bound methods such as ``JobService._begin``, become
  ``(object, method name)`` and are bound again on load, only to a private
  (``_name``) function defined on an sdssim engine class;
* ``pendulum`` times and durations become integers;
* callbacks that are not state (``on_record``) become a named placeholder that
  the restorer fills (``Simulation.restore(data, on_record=...)``).

Loading uses a restricted unpickler: only the classes defined in
``sdssim.engine``, ``sdssim.models`` and ``sdssim.machines`` (plus the few
builtin containers and :class:`random.Random`) can be named, and only the
rebuilders of this module may be called.  ``os.system``, ``builtins.getattr``,
``eval`` and every other global are refused with :class:`CheckpointError`
before anything runs.  A file of another format version is refused as well.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as _dt
import functools
import gc
import importlib
import inspect
import io
import json
import os
import pickle
import pkgutil
import random
import types
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pendulum

from .. import engine, machines, models
from ..atomic import write_atomic
from ..clock import format_us, from_us, to_us
from ..errors import SdsSimError

__all__ = ["CheckpointError", "FORMAT_VERSION", "MAGIC", "dumps", "loads", "read_header",
           "write_atomic"]

MAGIC = b"SDSSIM-CHECKPOINT"
#: 2: records kept by shape, flat call-log rows, leaner executions and views (sdssim
#: 0.1 after issue 18); 3: jobs share equal object counts; a checkpoint of another
#: format is refused with both versions named
FORMAT_VERSION = 3
#: the packages whose classes a checkpoint may name (imported here, so the layer contract
#: sees what the engine depends on; their modules are found by walking them)
STATE_PACKAGES = (engine, models, machines)
_PROTOCOL = 5


class CheckpointError(SdsSimError, ValueError):
    """A checkpoint cannot be written or read: not a checkpoint, another version, unsafe."""


@functools.lru_cache(maxsize=1)
def sdssim_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sdssim")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "unknown"


# -- rebuilders: the only callables a checkpoint may name besides state classes ----------------

def _bindable(cls: type, name: object) -> bool:
    """Only the engine's private event handlers (``JobService._begin``...) may be re-bound:
    never a public method such as ``Simulation.save``, which writes a file."""
    return (cls in _state_class_set() and cls.__module__.startswith("sdssim.engine.")
            and isinstance(name, str) and name.startswith("_") and not name.startswith("__")
            and isinstance(inspect.getattr_static(cls, name, None), types.FunctionType))


def _rebind(obj: object, name: str) -> Callable[..., Any]:
    """``obj.name`` as a bound method, if it is an engine event handler (see ``_bindable``)."""
    cls = type(obj)
    if not _bindable(cls, name):
        raise CheckpointError(f"checkpoint refused: it binds {name!r} on {cls.__name__}, "
                              "which is not an event handler of an sdssim engine class")
    return types.MethodType(inspect.getattr_static(cls, name), obj)


def _datetime(us: int, tz: str) -> pendulum.DateTime:
    if not isinstance(us, int) or not isinstance(tz, str):
        raise CheckpointError("checkpoint refused: a malformed timestamp")
    value = from_us(us)
    return value if tz == "UTC" else value.in_timezone(tz)


def _duration(days: int, seconds: int, microseconds: int) -> pendulum.Duration:
    if not all(isinstance(v, int) for v in (days, seconds, microseconds)):
        raise CheckpointError("checkpoint refused: a malformed duration")
    return pendulum.duration(days=days, seconds=seconds, microseconds=microseconds)


def _symbol(name: str) -> Any:
    """A placeholder (``on_record``, ...): resolved by the loader, never called itself."""
    raise CheckpointError(f"placeholder {name!r} outside a checkpoint load")


_REBUILDERS = {f.__name__: f for f in (_rebind, _datetime, _duration, _symbol)}
_REBUILDER_SET = frozenset(_REBUILDERS.values())
_SAFE = {
    ("builtins", "set"): set, ("builtins", "frozenset"): frozenset,
    ("builtins", "bytearray"): bytearray, ("builtins", "complex"): complex,
    ("random", "Random"): random.Random,
    ("datetime", "timedelta"): _dt.timedelta,
    ("collections", "OrderedDict"): collections.OrderedDict,
}


@functools.lru_cache(maxsize=1)
def _state_classes() -> dict[tuple[str, str], type]:
    """Every class defined in the state packages, by (module, qualified name)."""
    out: dict[tuple[str, str], type] = {}
    for package in STATE_PACKAGES:
        names = [package.__name__] + [m.name for m in pkgutil.walk_packages(
            package.__path__, prefix=f"{package.__name__}.")]
        for name in names:
            if name == __name__:  # the pickler classes are machinery, not state
                continue
            module = importlib.import_module(name)
            for value in vars(module).values():
                if isinstance(value, type) and value.__module__ == name:
                    out[(name, value.__qualname__)] = value
    return out


@functools.lru_cache(maxsize=1)
def _state_class_set() -> frozenset[type]:
    return frozenset(_state_classes().values())


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic collector off while (un)pickling: a million new objects would trigger it
    again and again for nothing (they are all reachable)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# -- writing ------------------------------------------------------------------------------------

class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, symbols: Mapping[int, str]) -> None:
        super().__init__(file, protocol=_PROTOCOL)
        self._symbols = symbols

    # No ``persistent_id``: pickle would call it for every int and string.  Placeholders are
    # never plain data, so ``reducer_override`` (not called for those) sees each of them.
    def reducer_override(self, obj: Any) -> Any:
        name = self._symbols.get(id(obj))
        if name is not None:
            return _symbol, (name,)
        if type(obj) is types.MethodType:
            owner, name = obj.__self__, obj.__func__.__name__
            if not _bindable(type(owner), name):
                raise CheckpointError(f"cannot checkpoint the method {type(owner).__name__}."
                                      f"{name}: only engine event handlers are state")
            return _rebind, (owner, name)
        if isinstance(obj, _dt.datetime):
            if obj.tzinfo is None:
                raise CheckpointError("cannot checkpoint a naive datetime")
            tz = getattr(obj.tzinfo, "name", None) or "UTC"
            return _datetime, (to_us(obj), tz)
        if isinstance(obj, _dt.timedelta) and type(obj) is not _dt.timedelta:
            return _duration, (obj.days, obj.seconds, obj.microseconds)
        if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, types.LambdaType,
                            functools.partial)) and obj not in _REBUILDER_SET:
            raise CheckpointError(f"cannot checkpoint the callable {obj!r}: callbacks are not "
                                  "state; pass them again when restoring")
        return NotImplemented


def dumps(obj: object, *, kind: str, time_us: int, symbols: Mapping[int, str] | None = None,
          compress: bool = True) -> bytes:
    """``obj`` as a checkpoint (header + body); ``symbols`` maps ``id(x)`` to a placeholder name.

    Placeholders stand for objects that are not state (callbacks, the scenario a run reads
    from its file); :func:`loads` puts back what its ``symbols`` give for each name.
    """
    buf = io.BytesIO()
    with _no_gc():
        _Pickler(buf, symbols or {}).dump(obj)
    body = buf.getvalue()
    header = {"format": FORMAT_VERSION, "sdssim": sdssim_version(), "kind": kind,
              "time": format_us(time_us),
              "compression": "zlib" if compress else "none"}
    head = MAGIC + b"\n" + json.dumps(header, sort_keys=True).encode() + b"\n"
    return head + (zlib.compress(body, 6) if compress else body)


# -- reading ------------------------------------------------------------------------------------

class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, symbols: Mapping[str, object],
                 extra: Mapping[tuple[str, str], type]) -> None:
        super().__init__(file)
        self._symbols = symbols
        self._extra = extra

    def find_class(self, module: str, name: str) -> Any:
        key = (module, name)
        found: Any = _state_classes().get(key) or self._extra.get(key) or _SAFE.get(key)
        if found is None and module == __name__ and name in _REBUILDERS:
            found = self._placeholder if name == "_symbol" else _REBUILDERS[name]
        if found is None:
            raise CheckpointError(f"checkpoint refused: it names {module}.{name}, which is not "
                                  "sdssim state (a checkpoint never runs code)")
        return found

    def _placeholder(self, name: Any) -> Any:
        if not isinstance(name, str) or name not in self._symbols:
            raise CheckpointError(f"checkpoint refused: unknown placeholder {name!r}")
        return self._symbols[name]


def read_header(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The header of a checkpoint and its (still compressed) body; refuses other formats."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CheckpointError("a checkpoint is bytes or a file path")
    data = bytes(data)
    if not data.startswith(MAGIC + b"\n"):
        raise CheckpointError("not an sdssim checkpoint (it does not start with "
                              f"{MAGIC.decode()})")
    end = data.find(b"\n", len(MAGIC) + 1)
    try:
        header = json.loads(data[len(MAGIC) + 1:end]) if end > 0 else None
    except (ValueError, UnicodeDecodeError):
        header = None
    if not isinstance(header, dict):
        raise CheckpointError("not an sdssim checkpoint (its header line is not a JSON object)")
    fmt = header.get("format")
    if fmt != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint format {fmt!r} (written by sdssim {header.get('sdssim', '?')}) "
            f"is not supported: this sdssim {sdssim_version()} reads format {FORMAT_VERSION} "
            "only")
    return header, data[end + 1:]


def loads(data: bytes, *, kind: str, symbols: Mapping[str, object] | None = None,
          extra: Mapping[tuple[str, str], type] | None = None) -> Any:
    """The object a checkpoint holds; refuses anything but sdssim state."""
    header, body = read_header(data)
    if header.get("kind") != kind:
        raise CheckpointError(f"this checkpoint holds a {header.get('kind')!r}, not a {kind!r}")
    compression = header.get("compression")
    if compression == "zlib":
        try:
            body = zlib.decompress(body)
        except zlib.error as exc:
            raise CheckpointError(f"checkpoint is damaged: {exc}") from None
    elif compression != "none":
        raise CheckpointError(f"checkpoint compression {compression!r} is not supported")
    try:
        with _no_gc():
            return _Unpickler(io.BytesIO(body), symbols or {}, extra or {}).load()
    except CheckpointError:
        raise
    except Exception as exc:  # truncated or corrupted bodies raise all sorts of errors
        raise CheckpointError(f"checkpoint is damaged: {type(exc).__name__}: {exc}") from None


def read_file(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise CheckpointError(f"cannot read checkpoint {os.fspath(path)!r}: "
                              f"{exc.strerror or exc}") from None
