"""Control routes for checkpoints of the served simulation (``docs/checkpoints.md``).

``POST /_sdssim/checkpoints``                 take one: 201 ``{"id", "time", "bytes"}``
``GET /_sdssim/checkpoints``                  ``{"value": [{"id", "time", "bytes"}, ...]}``
``POST /_sdssim/checkpoints/{id}/restore``    go back to it: 200 ``{"id", "time"}``
``DELETE /_sdssim/checkpoints/{id}``          forget it: 204
"""

from __future__ import annotations

from starlette.responses import Response

from sdssim.clock import format_timestamp
from sdssim.engine import Simulation
from sdssim.errors import NotFound
from sdssim.server.routing import Ctx, route

_C = "control"


def _missing(ident: str) -> NotFound:
    return NotFound(f"Checkpoint '{ident}' does not exist.", code="ResourceNotFound")


@route("POST", "checkpoints", root=_C, summary="Checkpoint the simulation", status=201)
def take_checkpoint(ctx: Ctx) -> Response:
    return ctx.ok(ctx.state.store.add(ctx.sim), 201)


@route("GET", "checkpoints", root=_C, summary="List checkpoints")
def list_checkpoints(ctx: Ctx) -> Response:
    return ctx.ok({"value": ctx.state.store.list()})


@route("POST", "checkpoints/{checkpointId}/restore", root=_C,
       summary="Restore the simulation from a checkpoint")
def restore_checkpoint(ctx: Ctx, checkpointId: str) -> Response:  # noqa: N803 - URL name
    data = ctx.state.store.get(checkpointId)
    if data is None:
        raise _missing(checkpointId)
    sim = Simulation.restore(data)
    ctx.state.sim = sim
    ctx.sim = sim
    ctx.state.clock.rebase(sim)
    return ctx.ok({"id": checkpointId, "time": format_timestamp(sim.now)})


@route("DELETE", "checkpoints/{checkpointId}", root=_C, summary="Delete a checkpoint", status=204)
def delete_checkpoint(ctx: Ctx, checkpointId: str) -> Response:  # noqa: N803
    if not ctx.state.store.delete(checkpointId):
        raise _missing(checkpointId)
    return ctx.empty()
