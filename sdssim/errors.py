"""Exceptions raised by sdssim.

Every exception subclasses :class:`SdsSimError` and also the builtin a caller
would naturally catch (``ValueError`` for bad input, ``LookupError`` for a
missing resource).  Errors that the real Graph service would answer carry the
HTTP status and Graph error code so the server layer can render them verbatim.
"""

from __future__ import annotations

__all__ = [
    "SdsSimError",
    "ModelError",
    "InvalidTransition",
    "GraphError",
    "BadRequest",
    "NotFound",
    "Conflict",
    "Unauthorized",
    "Throttled",
    "ServiceUnavailable",
    "GatewayTimeout",
    "Forbidden",
    "StartRejected",
    "ScenarioError",
    "Problem",
]


class SdsSimError(Exception):
    """Base class of every sdssim exception."""


class ModelError(SdsSimError, ValueError):
    """A Graph JSON document does not fit the resource model.

    ``path`` names the offending field, e.g. ``status.quarantine.reason``.
    """

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class InvalidTransition(SdsSimError, ValueError):
    """A trigger is not allowed in a machine's current state."""

    def __init__(self, machine: str, state: str, trigger: str) -> None:
        self.machine = machine
        self.state = state
        self.trigger = trigger
        super().__init__(f"{machine} machine: trigger {trigger!r} is not allowed in state {state!r}")


class GraphError(SdsSimError):
    """An error the Graph service answers with ``status`` and error ``code``."""

    status: int = 500
    code: str = "generalException"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.message = message
        super().__init__(message)

    def to_json(self) -> dict:
        """The ``{"error": {...}}`` body without the per-request ``innerError``."""
        return {"error": {"code": self.code, "message": self.message}}


class BadRequest(GraphError, ValueError):
    status = 400
    code = "badRequest"


class NotFound(GraphError, LookupError):
    status = 404
    code = "itemNotFound"


class Conflict(GraphError):
    status = 409
    code = "conflict"


class Unauthorized(GraphError):
    status = 401
    code = "InvalidAuthenticationToken"


class Throttled(GraphError):
    status = 429
    code = "TooManyRequests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(GraphError):
    """503: the service is unavailable; ``retry_after`` seconds, or ``None`` (no header)."""

    status = 503
    code = "serviceNotAvailable"
    text = "The service is temporarily unavailable. Please retry."

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class GatewayTimeout(ServiceUnavailable):
    """504: the gateway timed out; ``retry_after`` seconds, or ``None`` (no header)."""

    status = 504
    code = "gatewayTimeout"
    text = "The gateway timed out waiting for the service. Please retry."


class Problem:
    """One located problem in a scenario file: ``FILE:LINE:COLUMN: message``."""

    __slots__ = ("file", "line", "column", "message")

    def __init__(self, file: str, line: int, column: int, message: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.message = message

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class ScenarioError(SdsSimError, ValueError):
    """A scenario file is invalid; ``problems`` lists every located problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Forbidden(GraphError):
    status = 403
    code = "AuthenticationFailed"


class StartRejected(BadRequest):
    """``start`` found Error messages in the uploaded files; ``messages`` lists them all."""

    code = "badRequest"

    def __init__(self, message: str, *, messages: list) -> None:
        super().__init__(message)
        self.messages = list(messages)
