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

import math
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from html import escape

import attrs

from ..machines import REMOVED, table, to_dot, to_mermaid
from ..machines.diagram import merged_edges
from .runio import Run

__all__ = [
    "FORMATS",
    "GraphvizNotFound",
    "Layout",
    "diagram_svg",
    "layout",
    "render_png",
    "run_diagram",
    "taken_transitions",
]

FORMATS = ("mermaid", "dot", "svg")

_START = "[*]"
_END = "[end]"
NODE_W, NODE_H = 150.0, 38.0
GAP_X, GAP_Y = 120.0, 34.0
MARGIN = 46.0

_COLORS = {
    "current": ("#ffcc66", "#b36b00"),
    "visited": ("#e8f0ff", "#3366cc"),
    "plain": ("#ffffff", "#888888"),
}


class GraphvizNotFound(RuntimeError):
    """The Graphviz ``dot`` program is not installed."""


@attrs.frozen
class Layout:
    """Node centres and merged edges of one machine, in SVG user units."""

    machine: str
    width: float
    height: float
    #: state -> (x, y) centre; includes the ``[*]`` start point and, for a
    #: machine with final transitions, the ``[end]`` point
    nodes: dict[str, tuple[float, float]]
    #: (source, dest, label) with parallel triggers merged, in declaration order
    edges: list[tuple[str, str, str]]
    #: declared states no transition leads to from the initial state
    unreachable: tuple[str, ...]


def _layers(tab, edges: list[tuple[str, str, str]]) -> tuple[dict[str, int], tuple[str, ...]]:
    """Layer of each state: longest path from the initial state once back edges are dropped.

    Back edges are found by a depth-first search that follows transitions in
    declaration order, so the declared "happy path" runs left to right.
    """
    succ: dict[str, list[str]] = {s: [] for s in tab.states}
    for src, dst, _ in edges:
        if dst in succ and dst != src and dst not in succ[src]:
            succ[src].append(dst)
    back: set[tuple[str, str]] = set()
    order: list[str] = []
    on_stack: set[str] = set()
    seen: set[str] = set()

    def visit(s: str) -> None:
        seen.add(s)
        on_stack.add(s)
        for d in succ[s]:
            if d in on_stack:
                back.add((s, d))
            elif d not in seen:
                visit(d)
        on_stack.discard(s)
        order.append(s)

    visit(tab.initial)
    depth = {s: 0 for s in order}
    for s in reversed(order):  # topological order of the DAG without back edges
        for d in succ[s]:
            if (s, d) not in back:
                depth[d] = max(depth[d], depth[s] + 1)
    unreachable = tuple(s for s in tab.states if s not in depth)
    last = max(depth.values()) + 1
    for s in unreachable:
        depth[s] = last
    return depth, unreachable


def layout(name: str) -> Layout:
    """A layered left-to-right layout of machine ``name``.

    Layers follow the longest path from the initial state (back edges
    dropped); within a layer states are ordered by the mean position of the
    states leading to them, then by declaration; states unreachable from the
    initial state (``unknownFutureValue``, a wire stand-in) get a last layer.
    """
    tab = table(name)
    edges = merged_edges(tab, end=_END)
    depth, unreachable = _layers(tab, edges)
    n_layers = max(depth.values()) + 1
    declared = {s: i for i, s in enumerate(tab.states)}
    layers: list[list[str]] = [[] for _ in range(n_layers)]
    for s in tab.states:
        layers[depth[s]].append(s)
    rank: dict[str, float] = {}
    for layer in layers:
        def key(s: str) -> tuple[float, int]:
            preds = [rank[src] for src, dst, _ in edges
                     if dst == s and src in rank and depth[src] < depth[s]]
            return (sum(preds) / len(preds) if preds else math.inf, declared[s])

        layer.sort(key=key)
        for j, s in enumerate(layer):
            rank[s] = j - (len(layer) - 1) / 2
    tallest = max(len(layer) for layer in layers)
    height = 2 * MARGIN + tallest * NODE_H + (tallest - 1) * GAP_Y
    x0 = MARGIN + 40.0  # room for the start point
    nodes: dict[str, tuple[float, float]] = {}
    for i, layer in enumerate(layers):
        x = x0 + i * (NODE_W + GAP_X) + NODE_W / 2
        span = len(layer) * NODE_H + (len(layer) - 1) * GAP_Y
        top = (height - span) / 2
        for j, s in enumerate(layer):
            nodes[s] = (x, top + j * (NODE_H + GAP_Y) + NODE_H / 2)
    ix, iy = nodes[tab.initial]
    nodes[_START] = (ix - NODE_W / 2 - 40.0, iy)
    width = x0 + n_layers * NODE_W + (n_layers - 1) * GAP_X + MARGIN
    if tab.final_transitions:
        src = tab.final_transitions[0].source
        sx, sy = nodes[src]
        nodes[_END] = (sx, sy + NODE_H / 2 + GAP_Y * 0.9 + 8)
        height = max(height, nodes[_END][1] + 8 + MARGIN)
    return Layout(name, width, height, nodes, edges, unreachable)


def _clip(center: tuple[float, float], toward: tuple[float, float], state: str
          ) -> tuple[float, float]:
    """Where the line from a node's centre toward a point leaves the node's outline."""
    cx, cy = center
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return center
    if state in (_START, _END):
        r = 6.0 if state == _START else 9.0
        n = math.hypot(dx, dy)
        return cx + dx / n * r, cy + dy / n * r
    sx = (NODE_W / 2) / abs(dx) if dx else math.inf
    sy = (NODE_H / 2) / abs(dy) if dy else math.inf
    s = min(sx, sy)
    return cx + dx * s, cy + dy * s


def _edge_geometry(lay: Layout, src: str, dst: str, bend: float
                   ) -> tuple[str, tuple[float, float], tuple[float, float], float]:
    """SVG path data, label position, arrow tip and arrow angle (radians) of one edge."""
    (x1, y1), (x2, y2) = lay.nodes[src], lay.nodes[dst]
    if src == dst:  # self-loop above the node
        top = y1 - NODE_H / 2
        a = (x1 - 22, top)
        b = (x1 + 22, top)
        d = (f"M {a[0]:.1f} {a[1]:.1f} C {x1 - 30:.1f} {top - 34:.1f} "
             f"{x1 + 30:.1f} {top - 34:.1f} {b[0]:.1f} {b[1]:.1f}")
        return d, (x1, top - 30), b, math.atan2(34, -8)
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = x2 - x1, y2 - y1
    dist = math.hypot(dx, dy)
    # control point: perpendicular offset to the left of the direction of travel,
    # so A->B and B->A bow to opposite sides
    px, py = -dy / dist, dx / dist
    c = (mx + px * bend * dist, my + py * bend * dist)
    p0 = _clip((x1, y1), c, src)
    p2 = _clip((x2, y2), c, dst)
    d = (f"M {p0[0]:.1f} {p0[1]:.1f} Q {c[0]:.1f} {c[1]:.1f} "
         f"{p2[0]:.1f} {p2[1]:.1f}")
    label = (0.25 * p0[0] + 0.5 * c[0] + 0.25 * p2[0],
             0.25 * p0[1] + 0.5 * c[1] + 0.25 * p2[1])
    angle = math.atan2(p2[1] - c[1], p2[0] - c[0])
    return d, label, p2, angle


def _arrow(tip: tuple[float, float], angle: float, size: float = 9.0) -> str:
    x, y = tip
    left = (x - size * math.cos(angle - 0.4), y - size * math.sin(angle - 0.4))
    right = (x - size * math.cos(angle + 0.4), y - size * math.sin(angle + 0.4))
    return (f"{x:.1f},{y:.1f} {left[0]:.1f},{left[1]:.1f} "
            f"{right[0]:.1f},{right[1]:.1f}")


def _label_lines(label: str, width: int = 22) -> list[str]:
    """A merged label (``a, b, c``) broken into lines of about ``width`` characters."""
    lines: list[str] = []
    for part in label.split(", "):
        if lines and len(lines[-1]) + len(part) + 2 <= width:
            lines[-1] += ", " + part
        else:
            if lines:
                lines[-1] += ","
            lines.append(part)
    return lines


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
    taken_set = {(s, _END if d is None else d) for s, d in taken}
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
        d, (lx, ly), tip, angle = _edge_geometry(lay, src, dst, bend)
        is_taken = (src, dst) in taken_set
        color, width = ("#1f4fbf", 2.6) if is_taken else ("#a0a0a0", 1.1)
        dest_name = "end" if dst == _END else dst
        edge_parts.append(
            f'<g class="edge{" taken" if is_taken else ""}" data-source="{escape(src)}" '
            f'data-dest="{escape(dest_name)}"><title>{escape(src)} → {escape(dest_name)}: '
            f'{escape(trig)}</title>'
            f'<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}"/>'
            f'<polygon points="{_arrow(tip, angle)}" fill="{color}"/></g>'
        )
        lines = _label_lines(trig)
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
    start_xy = lay.nodes[_START]
    ix, iy = lay.nodes[tab.initial]
    entry = (ix - NODE_W / 2, iy)
    out.append(
        f'<g class="edge initial"><line x1="{start_xy[0] + 6:.1f}" y1="{start_xy[1]:.1f}" '
        f'x2="{entry[0]:.1f}" y2="{entry[1]:.1f}" stroke="#444" stroke-width="1.4"/>'
        f'<polygon points="{_arrow(entry, 0.0)}" fill="#444"/></g>'
    )
    out.extend(edge_parts)
    out.append(
        f'<g class="pseudo start"><circle cx="{start_xy[0]:.1f}" cy="{start_xy[1]:.1f}" '
        f'r="6" fill="#222"/></g>'
    )
    if _END in lay.nodes:
        ex, ey = lay.nodes[_END]
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
