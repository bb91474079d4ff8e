"""Deterministic Mermaid and Graphviz renderings of the compiled tables.

Edges sharing a source and destination are merged into one line whose label
lists their triggers (``a, b``) in trigger declaration order; edges appear in
order of first declaration.  Final transitions go to the end pseudo-state.
"""

from __future__ import annotations

from collections.abc import Sequence

from .table import TransitionTable, table

__all__ = ["to_mermaid", "to_dot", "merged_edges"]

_END = "[*]"


def merged_edges(tab: TransitionTable, end: str = _END) -> list[tuple[str, str, str]]:
    """(source, dest, label) with parallel edges merged, final dests mapped to *end*."""
    merged: dict[tuple[str, str], list[str]] = {}
    for t in tab.transitions:
        merged.setdefault((t.source, t.dest), []).append(t.trigger)
    for t in tab.final_transitions:
        merged.setdefault((t.source, end), []).append(t.trigger)
    order = {trigger: i for i, trigger in enumerate(tab.triggers)}
    return [
        (src, dst, ", ".join(sorted(dict.fromkeys(triggers), key=order.__getitem__)))
        for (src, dst), triggers in merged.items()
    ]


def _marks(
    tab: TransitionTable, current: str | None, path: Sequence[str]
) -> tuple[str | None, list[str]]:
    for state in ([current] if current is not None else []) + list(path):
        if state not in tab.states:
            raise ValueError(f"{tab.name} machine has no state {state!r}")
    visited = [s for s in dict.fromkeys(path) if s != current]
    return current, visited


def to_mermaid(name: str, *, current: str | None = None, path: Sequence[str] = ()) -> str:
    """A Mermaid ``stateDiagram-v2`` of machine *name*.

    *current* gets class ``current``; the other states of *path* get ``visited``.
    """
    tab = table(name)
    current, visited = _marks(tab, current, path)
    lines = ["stateDiagram-v2", f"    [*] --> {tab.initial}"]
    lines += [f"    {src} --> {dst} : {label}" for src, dst, label in merged_edges(tab)]
    if current is not None:
        lines.append("    classDef current fill:#ffcc66,stroke:#b36b00,stroke-width:3px")
    if visited:
        lines.append("    classDef visited fill:#e8f0ff,stroke:#3366cc,stroke-width:2px")
        lines.append(f"    class {','.join(visited)} visited")
    if current is not None:
        lines.append(f"    class {current} current")
    return "\n".join(lines) + "\n"


def to_dot(name: str, *, current: str | None = None, path: Sequence[str] = (),
           taken: Sequence[tuple[str, str | None]] = (), colors: bool = False,
           title: str | None = None) -> str:
    """A Graphviz digraph of machine *name*: *current* filled, other *path* states bold.

    ``taken``: ``(source, dest)`` transitions drawn thick and blue (``None`` dest: the end).
    ``colors``: fill every state with its family colour (:mod:`.palette`); the current
    state then gets a thick black border instead of the yellow fill.  ``title``: a label.
    """
    tab = table(name)
    current, visited = _marks(tab, current, path)
    has_end = bool(tab.final_transitions)
    lines = [
        f'digraph "{tab.name}" {{',
        "    rankdir=LR;",
        '    node [shape=box, style="rounded"];',
        '    "__start__" [shape=point, label=""];',
    ]
    if title:
        lines.insert(2, f'    label="{title}"; labelloc=t;')
    if colors:
        lines[2:2] = [
            '    graph [fontname="Helvetica", fontsize=12, nodesep=0.35, ranksep=0.6];',
            '    node [fontname="Helvetica", fontsize=11];',
            '    edge [fontname="Helvetica", fontsize=9, color="#777777"];',
        ]
        return _colored_dot(tab, lines, current, visited, taken, has_end)
    if has_end:
        lines.append('    "__end__" [shape=doublecircle, label="", width=0.2];')
    for state in tab.states:
        styles = ["rounded"]
        extra = ""
        if state == current:
            styles.append("filled")
            extra = ', fillcolor="#ffcc66"'
        if state in visited:
            styles.append("bold")
            extra = ", penwidth=2"
        lines.append(f'    "{state}" [style="{",".join(styles)}"{extra}];')
    lines.append(f'    "__start__" -> "{tab.initial}";')
    for src, dst, label in merged_edges(tab):
        target = "__end__" if dst == _END else dst
        lines.append(f'    "{src}" -> "{target}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _colored_dot(tab: TransitionTable, lines: list[str], current: str | None,
                 visited: list[str], taken: Sequence[tuple[str, str | None]],
                 has_end: bool) -> str:
    from .palette import state_color, text_color

    if has_end:
        lines.append('    "__end__" [shape=doublecircle, label="", width=0.2];')
    for state in tab.states:
        fill = state_color(state)
        width = 3.5 if state == current else (2 if state in visited else 1)
        border = "#000000" if state in (current, *visited) else "#666666"
        mark = " current" if state == current else (" visited" if state in visited else "")
        lines.append(f'    "{state}" [style="rounded,filled", fillcolor="{fill}", '
                     f'fontcolor="{text_color(fill)}", color="{border}", penwidth={width}, '
                     f'class="state{mark}"];')
    lines.append(f'    "__start__" -> "{tab.initial}";')
    hot = {(src, _END if dst is None else dst) for src, dst in taken}
    for src, dst, label in merged_edges(tab):
        target = "__end__" if dst == _END else dst
        style = (', color="#0072B2", fontcolor="#0072B2", penwidth=3, class="taken"'
                 if (src, dst) in hot else "")
        lines.append(f'    "{src}" -> "{target}" [label="{label}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
