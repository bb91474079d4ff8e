"""State diagrams of the declared machines, highlighted with what one run did.

Three renderings of the same compiled table (:func:`sdssim.machines.table`):

* Mermaid and Graphviz text (:func:`run_diagram` with ``fmt="mermaid"`` or
  ``"dot"``), from :func:`sdssim.machines.to_mermaid` / ``to_dot`` with the
  state the run ended in as ``current`` and the states it passed through as
  ``path``;
* a self-contained SVG (:func:`diagram_svg`, ``fmt="svg"``) drawn here with a
  simple layered layout, so an HTML report needs no JavaScript, no network
  and no Graphviz.  The transitions the run took are drawn bold;
* PNG through Graphviz (:func:`render_png`) when the ``dot`` program is
  installed (Debian package ``graphviz``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from html import escape

from ..machines import REMOVED, table, to_dot, to_mermaid
from .diagram_layout import (
    END,
    GAP_X,
    NODE_H,
    NODE_W,
    START,
    arrow,
    edge_geometry,
    label_lines,
    layout,
)
from .runio import Run

__all__ = [
    "FORMATS",
    "GraphvizNotFound",
    "diagram_svg",
    "render_png",
    "run_diagram",
    "taken_transitions",
]

FORMATS = ("mermaid", "dot", "svg")

_COLORS = {
    "current": ("#ffcc66", "#b36b00"),
    "visited": ("#e8f0ff", "#3366cc"),
    "plain": ("#ffffff", "#888888"),
}


class GraphvizNotFound(RuntimeError):
    """The Graphviz ``dot`` program is not installed."""


#: a trigger on at least this many edges is labelled only where the run took it
FAN_LABEL_LIMIT = 4


def diagram_svg(name: str, *, current: str | None = None, path: Sequence[str] = (),
                taken: Iterable[tuple[str, str | None]] = (), title: str | None = None) -> str:
    """A standalone ``<svg>`` of machine ``name``.

    ``current`` is filled amber, the other states of ``path`` light blue, and the
    transitions in ``taken`` (``(source, dest)`` pairs; a dest of ``None`` is
    the machine's end) are drawn bold blue.  A trigger that fans out over many
    edges (``pause``, ``resume``, ``reset`` of the sync machine) is labelled
    only on the edges the run took, and named once in a note below.  Every
    state is a ``<g class="state ..." data-state="...">`` and every edge a
    ``<g class="edge ..." data-source="..." data-dest="...">`` so a page can be
    inspected; each has a ``<title>`` tooltip.
    """
    tab = table(name)
    for state in ([current] if current is not None else []) + list(path):
        if state not in tab.states:
            raise ValueError(f"{name} machine has no state {state!r}")
    lay = layout(name)
    visited = set(path)
    taken_set = {(s, END if d is None else d) for s, d in taken}
    pairs = {(s, d) for s, d, _ in lay.edges}
    fan: dict[str, int] = {}
    for _, _, trig in lay.edges:
        fan[trig] = fan.get(trig, 0) + 1
    fanned = [t for t, n in fan.items() if n >= FAN_LABEL_LIMIT]

    edge_parts: list[str] = []
    labels: list[str] = []
    hidden: dict[str, None] = {}
    xs = [0.0, lay.width]
    ys = [0.0, lay.height]
    for src, dst, trig in lay.edges:
        x1, x2 = lay.nodes[src][0], lay.nodes[dst][0]
        adjacent_forward = 0 < x2 - x1 <= NODE_W + GAP_X + 1
        if adjacent_forward and (dst, src) not in pairs:
            bend = 0.0
        elif x1 == x2:
            bend = 0.35
        elif x2 > x1:
            bend = 0.10
        else:
            bend = 0.18
        d, (lx, ly), tip, angle = edge_geometry(lay, src, dst, bend)
        is_taken = (src, dst) in taken_set
        color, width = ("#1f4fbf", 2.6) if is_taken else ("#a0a0a0", 1.1)
        dest_name = "end" if dst == END else dst
        edge_parts.append(
            f'<g class="edge{" taken" if is_taken else ""}" data-source="{escape(src)}" '
            f'data-dest="{escape(dest_name)}"><title>{escape(src)} → {escape(dest_name)}: '
            f'{escape(trig)}</title>'
            f'<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}"/>'
            f'<polygon points="{arrow(tip, angle)}" fill="{color}"/></g>'
        )
        lines = label_lines(trig)
        longest = max(len(line) for line in lines)
        if not bend and src != dst:  # a straight edge: label above the line
            ly -= 6 * len(lines) + 2
        xs += [lx - 3 * longest - 4, lx + 3 * longest + 4]
        ys += [ly - 6 * len(lines) - 4, ly + 6 * len(lines) + 4]
        if trig in fanned and bend and not is_taken:
            hidden.setdefault(trig, None)
            continue
        weight = "bold" if is_taken else "normal"
        fill = "#1f4fbf" if is_taken else "#555555"
        top = ly - 6 * (len(lines) - 1)
        spans = "".join(
            f'<tspan x="{lx:.1f}" y="{top + 12 * i:.1f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines))
        labels.append(
            f'<text class="edge-label" font-size="10" '
            f'text-anchor="middle" dominant-baseline="middle" fill="{fill}" '
            f'font-weight="{weight}" stroke="#ffffff" stroke-width="3" '
            f'paint-order="stroke">{spans}</text>'
        )
    note = ""
    if hidden:
        note = ("unlabelled grey edges: " + "; ".join(
            f"{t} ({fan[t]} edges)" for t in hidden))
        ys.append(max(ys) + 24)
    vx, vy = min(xs), min(ys)
    w, h = max(xs) - vx, max(ys) - vy
    label = title if title is not None else f"{name} machine"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="state-diagram" '
        f'data-machine="{escape(name)}" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="{vx:.0f} {vy:.0f} {w:.0f} {h:.0f}" role="img" '
        f'aria-label="{escape(label)}" font-family="Helvetica, Arial, sans-serif">',
        f"<title>{escape(label)}</title>",
        f'<rect x="{vx:.0f}" y="{vy:.0f}" width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>',
    ]
    start_xy = lay.nodes[START]
    ix, iy = lay.nodes[tab.initial]
    entry = (ix - NODE_W / 2, iy)
    out.append(
        f'<g class="edge initial"><line x1="{start_xy[0] + 6:.1f}" y1="{start_xy[1]:.1f}" '
        f'x2="{entry[0]:.1f}" y2="{entry[1]:.1f}" stroke="#444" stroke-width="1.4"/>'
        f'<polygon points="{arrow(entry, 0.0)}" fill="#444"/></g>'
    )
    out.extend(edge_parts)
    out.append(
        f'<g class="pseudo start"><circle cx="{start_xy[0]:.1f}" cy="{start_xy[1]:.1f}" '
        f'r="6" fill="#222"/></g>'
    )
    if END in lay.nodes:
        ex, ey = lay.nodes[END]
        out.append(
            f'<g class="pseudo end"><circle cx="{ex:.1f}" cy="{ey:.1f}" r="9" fill="none" '
            f'stroke="#222" stroke-width="1.5"/><circle cx="{ex:.1f}" cy="{ey:.1f}" r="5" '
            f'fill="#222"/></g>'
        )
    for state in tab.states:
        x, y = lay.nodes[state]
        role = "current" if state == current else "visited" if state in visited else "plain"
        fill, stroke = _COLORS[role]
        sw = 3 if role == "current" else 2 if role == "visited" else 1.2
        dash = ' stroke-dasharray="5 4"' if state in lay.unreachable else ""
        tooltip = {"current": "the state the run ended in", "visited": "entered during the run",
               "plain": "not entered in this run"}[role]
        if state in lay.unreachable:
            tooltip += "; declared but never entered (wire stand-in)"
        weight = "bold" if role == "current" else "normal"
        out.append(
            f'<g class="state {role}" data-state="{escape(state)}">'
            f"<title>{escape(state)}: {tooltip}</title>"
            f'<rect x="{x - NODE_W / 2:.1f}" y="{y - NODE_H / 2:.1f}" width="{NODE_W:.0f}" '
            f'height="{NODE_H:.0f}" rx="10" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{sw}"{dash}/>'
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="13" text-anchor="middle" '
            f'dominant-baseline="central" font-weight="{weight}" fill="#111">'
            f"{escape(state)}</text></g>"
        )
    out.extend(labels)
    if note:
        out.append(f'<text class="note" x="{vx + 12:.1f}" y="{vy + h - 10:.1f}" '
                   f'font-size="11" fill="#555">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def taken_transitions(run: Run, subject: str, machine: str) -> list[tuple[str, str | None]]:
    """The ``(from, to)`` pairs ``machine`` of ``subject`` went through, in order, once each.

    Creation (from nothing) is left out; removal has ``to`` ``None``.
    """
    pairs: dict[tuple[str, str | None], None] = {}
    for e in run.events:
        if e["subject"] == subject and e["machine"] == machine and e["from"] is not None:
            pairs.setdefault((e["from"], None if e["to"] == REMOVED else e["to"]), None)
    return list(pairs)


def run_diagram(run: Run, subject: str, machine: str, fmt: str = "mermaid") -> str:
    """The diagram of ``machine`` with what ``subject`` did in ``run`` highlighted.

    ``fmt`` is ``"mermaid"``, ``"dot"`` or ``"svg"``.  The current state is the
    one the machine ended the run in (none if the subject was removed); the
    path is every state it entered.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}; valid: {', '.join(FORMATS)}")
    if machine not in run.machines(subject):
        known = ", ".join(run.machines(subject)) or "none"
        raise ValueError(f"{subject} has no events for machine {machine!r} (it has: {known})")
    path = run.paths(subject).get(machine, [])
    current = run.current(subject, machine)
    if fmt == "mermaid":
        return to_mermaid(machine, current=current, path=path)
    if fmt == "dot":
        return to_dot(machine, current=current, path=path)
    return diagram_svg(machine, current=current, path=path,
                       taken=taken_transitions(run, subject, machine),
                       title=f"{machine} machine of {subject}")


def render_png(dot_text: str, out_path: str | os.PathLike[str]) -> str:
    """Render Graphviz ``dot_text`` to a PNG file with the ``dot`` program; return its path.

    Raises :class:`GraphvizNotFound` when ``dot`` is not installed
    (``apt-get install graphviz``), ``RuntimeError`` when it fails.
    """
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFound(
            "the Graphviz 'dot' program is not installed (Debian: apt-get install graphviz); "
            "use fmt='svg' for a diagram that needs no Graphviz")
    proc = subprocess.run([exe, "-Tpng", "-o", os.fspath(out_path)], input=dot_text.encode(),
                          capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"dot failed ({proc.returncode}): "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    return os.fspath(out_path)
