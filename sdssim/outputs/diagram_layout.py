"""Where a state machine's diagram puts things: node centres, edges, arrows, labels.

:func:`layout` places the states of one declared machine in layers from its
initial state (SVG user units); the helpers compute edge curves, arrowheads
and wrapped labels. :mod:`sdssim.outputs.diagrams` draws with them.
"""

from __future__ import annotations

import math

import attrs

from ..machines import table
from ..machines.diagram import merged_edges

__all__ = ["Layout", "layout", "START", "END", "NODE_W", "NODE_H", "GAP_X", "GAP_Y", "MARGIN",
           "clip", "edge_geometry", "arrow", "label_lines"]

START = "[*]"
END = "[end]"
NODE_W, NODE_H = 150.0, 38.0
GAP_X, GAP_Y = 120.0, 34.0
MARGIN = 46.0


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
    edges = merged_edges(tab, end=END)
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
    nodes[START] = (ix - NODE_W / 2 - 40.0, iy)
    width = x0 + n_layers * NODE_W + (n_layers - 1) * GAP_X + MARGIN
    if tab.final_transitions:
        src = tab.final_transitions[0].source
        sx, sy = nodes[src]
        nodes[END] = (sx, sy + NODE_H / 2 + GAP_Y * 0.9 + 8)
        height = max(height, nodes[END][1] + 8 + MARGIN)
    return Layout(name, width, height, nodes, edges, unreachable)


def clip(center: tuple[float, float], toward: tuple[float, float], state: str
          ) -> tuple[float, float]:
    """Where the line from a node's centre toward a point leaves the node's outline."""
    cx, cy = center
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return center
    if state in (START, END):
        r = 6.0 if state == START else 9.0
        n = math.hypot(dx, dy)
        return cx + dx / n * r, cy + dy / n * r
    sx = (NODE_W / 2) / abs(dx) if dx else math.inf
    sy = (NODE_H / 2) / abs(dy) if dy else math.inf
    s = min(sx, sy)
    return cx + dx * s, cy + dy * s


def edge_geometry(lay: Layout, src: str, dst: str, bend: float
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
    p0 = clip((x1, y1), c, src)
    p2 = clip((x2, y2), c, dst)
    d = (f"M {p0[0]:.1f} {p0[1]:.1f} Q {c[0]:.1f} {c[1]:.1f} "
         f"{p2[0]:.1f} {p2[1]:.1f}")
    label = (0.25 * p0[0] + 0.5 * c[0] + 0.25 * p2[0],
             0.25 * p0[1] + 0.5 * c[1] + 0.25 * p2[1])
    angle = math.atan2(p2[1] - c[1], p2[0] - c[0])
    return d, label, p2, angle


def arrow(tip: tuple[float, float], angle: float, size: float = 9.0) -> str:
    x, y = tip
    left = (x - size * math.cos(angle - 0.4), y - size * math.sin(angle - 0.4))
    right = (x - size * math.cos(angle + 0.4), y - size * math.sin(angle + 0.4))
    return (f"{x:.1f},{y:.1f} {left[0]:.1f},{left[1]:.1f} "
            f"{right[0]:.1f},{right[1]:.1f}")


def label_lines(label: str, width: int = 22) -> list[str]:
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
