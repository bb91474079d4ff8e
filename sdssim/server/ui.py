"""``/_sdssim/ui``: a live dashboard of the served simulation, plain static files.

No build step and no network: ``ui_static/`` (HTML, CSS and hand-written
JavaScript, shipped as package data) polls the control API —
``/_sdssim/clock``, ``/_sdssim/events?since=``, ``/_sdssim/requests``,
``/_sdssim/scorecard`` — and the two helpers below:

=========================================  ==========================================
``GET /_sdssim/ui``                        the dashboard page (script and style inlined)
``GET /_sdssim/ui/subjects``               ``{"value": [{"subject", "label"}], "colors",
                                           "families"}``: display names and the palette
``GET /_sdssim/ui/diagram``                ``?machine=job&current=Active&path=a,b&taken=a>b``:
                                           the machine's diagram as SVG, the path drawn bold
=========================================  ==========================================

The page takes the control token it was opened with (``/_sdssim/ui?token=T``),
keeps it in the tab's ``sessionStorage``, drops it from the address bar and
sends it as ``Authorization: Bearer T`` on every call it makes.
"""

from __future__ import annotations

from importlib import resources

from starlette.responses import Response

from sdssim.engine.subjects import profile_subject
from sdssim.errors import BadRequest
from sdssim.machines import MACHINES, table
from sdssim.machines.palette import STATE_COLORS, STATE_FAMILY
from sdssim.server.routing import Ctx, route

__all__ = ["page", "diagram_svg_text"]

_C = "control"
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _read(name: str) -> str:
    return resources.files("sdssim.server").joinpath("ui_static").joinpath(name).read_text("utf-8")


def page() -> str:
    """The dashboard as one document: the style sheet and the script inlined, so that a
    control plane that wants a token needs it only on this one request."""
    html = _read("index.html")
    html = html.replace('<link rel="stylesheet" href="app.css">',
                        f"<style>\n{_read('app.css')}</style>")
    return html.replace('<script src="app.js"></script>', f"<script>\n{_read('app.js')}</script>")


@route("GET", "ui", root=_C, summary="The live dashboard (HTML)", media_type="text/html")
def ui_page(ctx: Ctx) -> Response:
    return Response(page().encode("utf-8"), media_type="text/html; charset=utf-8",
                    headers=_HEADERS)


@route("GET", "ui/subjects", root=_C, summary="Display names of subjects and the palette")
def ui_subjects_route(ctx: Ctx) -> Response:
    return ui_subjects(ctx)


@route("GET", "ui/diagram", root=_C, summary="A machine's diagram (SVG), a path drawn on it",
       query=("machine", "current", "path", "taken", "title"), media_type="image/svg+xml")
def ui_diagram_route(ctx: Ctx) -> Response:
    return ui_diagram(ctx)


def ui_subjects(ctx: Ctx) -> Response:
    """Display names: scenario keys when the server was preloaded, else profile names."""
    ctx.no_query()
    labels: dict[str, str] = dict(getattr(ctx.state, "labels", None) or {})
    for profile in ctx.sim.list_profiles():
        labels.setdefault(profile_subject(profile.id), profile.display_name or profile.id)
    return ctx.ok({"value": [{"subject": s, "label": v} for s, v in labels.items()],
                   "colors": STATE_COLORS, "families": STATE_FAMILY})


def ui_diagram(ctx: Ctx) -> Response:
    params: dict[str, str] = {}
    for key, value in ctx.params:
        if key not in ("machine", "current", "path", "taken", "title") or key in params:
            raise BadRequest(f"The query parameter '{key}' is not supported.")
        params[key] = value
    machine = params.get("machine", "")
    if machine not in MACHINES:
        raise BadRequest(f"'machine' must be one of {', '.join(MACHINES)}.")
    states = set(table(machine).states)
    current = params.get("current") or None
    path = [s for s in params.get("path", "").split(",") if s]
    taken: list[tuple[str, str | None]] = []
    for pair in filter(None, params.get("taken", "").split(",")):
        src, _, dst = pair.partition(">")
        taken.append((src, dst or None))
    for state in [current, *path, *(s for pair in taken for s in pair)]:
        if state is not None and state not in states:
            raise BadRequest(f"The {machine} machine has no state '{state}'.")
    title = "".join(ch for ch in params.get("title", "")[:120] if ch.isprintable()) or None
    svg = diagram_svg_text(machine, current=current, path=path, taken=taken, title=title)
    return Response(svg.encode("utf-8"), media_type="image/svg+xml", headers=_HEADERS)


def diagram_svg_text(machine: str, *, current: str | None, path: list[str],
                     taken: list[tuple[str, str | None]], title: str | None) -> str:
    """Graphviz ``dot`` layout when the program is installed, else sdssim's own layout."""
    import subprocess

    from sdssim.outputs.diagrams import diagram_svg
    from sdssim.outputs.graphviz import machine_svg

    try:
        return machine_svg(machine, current=current, path=path, taken=taken, title=title)
    except (RuntimeError, OSError, subprocess.SubprocessError):  # dot broke: our own layout
        return diagram_svg(machine, current=current, path=path, taken=taken,
                           title=title or f"{machine} machine")
