"""``GET /_sdssim/ca.pem``: the certificate a client must trust (``--tls``, ``--proxy``).

The local CA's certificate (see :mod:`sdssim.server.tls`) in PEM form, so a
client on another account or in a container can fetch what to trust from the
server itself.  A plain-HTTP server has no CA: 404 with a Graph error saying so.
"""

from __future__ import annotations

from starlette.responses import Response

from sdssim.errors import GraphError
from sdssim.server.routing import Ctx, route

__all__ = ["PEM"]

PEM = "application/x-pem-file"


@route("GET", "ca.pem", root="control", media_type=PEM,
       summary="The local CA certificate clients must trust (--tls and --proxy only)")
def get_ca(ctx: Ctx) -> Response:
    ctx.no_query()
    pem = ctx.state.ca_pem
    if pem is None:
        raise GraphError("This server runs without TLS: it has no certificate authority "
                         "(start it with --tls or --proxy).", code="itemNotFound", status=404)
    return Response(pem, status_code=200, media_type=PEM)
