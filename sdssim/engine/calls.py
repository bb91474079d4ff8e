"""The door every Graph-mirroring call of :class:`~sdssim.engine.Simulation` goes through.

``@_api`` takes request faults first (429/503/504), runs the call, cuts the call
log back if it was refused (a refused call changes nothing) and takes the
snapshots of whatever it changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import BadRequest
from .calllog import CallLog
from .core import Core
from .jobs import JobService
from .profiles import ProfileService
from .subjects import SUBJECT_KINDS

if TYPE_CHECKING:
    from .simulation import Simulation

__all__ = ["ApiBase", "unthrottled"]


@contextlib.contextmanager
def unthrottled(sim: Simulation) -> Iterator[None]:
    """Calls made inside are a test harness's, not a client's: throttle faults skip them.

    (The fake server's control API uses it: it is never throttled.)
    """
    sim._unthrottled += 1
    try:
        yield
    finally:
        sim._unthrottled -= 1


def _api(method: Any) -> Any:
    """Wrap a Graph-mirroring method: request faults first, snapshots after.

    A refused call (any exception) changes nothing: the rules validate before
    they act, and the call log is cut back to where it stood.
    """

    def call(self: ApiBase, *args: Any, **kwargs: Any) -> Any:
        core = self._core
        refusal = None if self._unthrottled else core.faults.take_request(core.now)
        if refusal is not None:
            core.revision += 1  # a request fault's count went down
            raise refusal
        logged = len(self.call_log)
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.call_log.cut(logged)
            raise
        finally:
            core.flush()

    call.__name__ = method.__name__
    call.__qualname__ = method.__qualname__
    call.__doc__ = method.__doc__
    call.__wrapped__ = method  # type: ignore[attr-defined]
    return call


#: what a fault can be aimed at; ``servicePrincipal/<id>`` reaches the credentials check of
#: ``POST …/jobs/validateCredentials`` (jobs are reached by ``job/<id>``)
_TARGETS = SUBJECT_KINDS


def _bad(what: str, exc: Exception) -> BadRequest:
    return BadRequest(f"invalid {what}: {exc}")




class ApiBase:
    """What the call mixins share with :class:`~sdssim.engine.Simulation`."""

    _core: Core
    _profiles: ProfileService
    _jobs: JobService
    call_log: CallLog
    _unthrottled: int

    def _log(self, name: str, **args: Any) -> None:
        if self._core.keep:
            self.call_log.call(self._core.now, name, args)
        self._core.revision += 1
