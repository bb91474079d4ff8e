"""Request bodies: a JSON object read as a model, every refusal a 400 ``badRequest``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from ..errors import BadRequest, ModelError

__all__ = ["parse_body"]


M = TypeVar("M", bound="_FromJson")


class _FromJson(Protocol):
    """A model read from Graph JSON (every :class:`~sdssim.models.GraphResource`)."""

    @classmethod
    def from_json(cls: type[M], data: Mapping[str, Any]) -> M: ...


def parse_body(model: type[M], body: object, what: str) -> M:
    """``body`` as a ``model``; not a JSON object, or refused by the model: BadRequest.

    *what* names the Graph type in the message (``Invalid synchronizationJob: …``).
    """
    if not isinstance(body, Mapping):
        raise BadRequest("The request body must be a JSON object.")
    try:
        return model.from_json(body)
    except ModelError as exc:
        raise BadRequest(f"Invalid {what}: {exc}") from exc
