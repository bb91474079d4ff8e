"""Run-highlighted state diagrams: Mermaid, Graphviz, self-made SVG and Graphviz PNG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from sdssim.machines import MACHINES, table, to_mermaid
from sdssim.outputs.diagram_layout import NODE_H, NODE_W, layout
from sdssim.outputs.diagrams import (
    GraphvizNotFound,
    diagram_svg,
    render_png,
    run_diagram,
    taken_transitions,
)

SVG = "{http://www.w3.org/2000/svg}"


def _groups(svg_text, cls):
    root = ET.fromstring(svg_text)
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def test_mermaid_marks_current_and_visited(run, ids):
    text = run_diagram(run, ids["job"], "quarantine", "mermaid")
    assert text.startswith("stateDiagram-v2\n")
    assert "    class healthy current" in text
    assert "    class retry6h,retry12h,retry24h,daily,disabled visited" in text
    assert text == to_mermaid("quarantine", current="healthy",
                              path=run.paths(ids["job"])["quarantine"])


def test_dot_marks_current_and_visited(run, ids):
    text = run_diagram(run, ids["csv"], "sync", "dot")
    assert text.startswith('digraph "sync" {')
    assert '"error" [style="rounded,filled", fillcolor="#ffcc66"];' in text
    assert '"inProgress" [style="rounded,bold", penwidth=2];' in text
    assert '"success" [style="rounded"];' in text


def test_removed_subject_has_no_current_state(run, ids):
    text = run_diagram(run, ids["api"], "profile", "mermaid")
    assert "class" in text and "current" not in text.split("classDef")[-1]
    svg = run_diagram(run, ids["api"], "profile", "svg")
    assert _groups(svg, "current") == []
    taken = {(g.get("data-source"), g.get("data-dest")) for g in _groups(svg, "taken")}
    assert taken == {("provisioning", "provisioned"), ("provisioned", "deleting"),
                     ("deleting", "end")}


def test_svg_highlights_the_run(run, ids):
    svg = run_diagram(run, ids["job"], "quarantine", "svg")
    root = ET.fromstring(svg)
    assert root.get("data-machine") == "quarantine"
    states = {g.get("data-state"): g.get("class") for g in _groups(svg, "state")}
    assert set(states) == set(table("quarantine").states)
    assert states["healthy"] == "state current"
    assert {s for s, c in states.items() if c == "state visited"} == {
        "retry6h", "retry12h", "retry24h", "daily", "disabled"}
    taken = {(g.get("data-source"), g.get("data-dest")) for g in _groups(svg, "taken")}
    assert taken == set(taken_transitions(run, ids["job"], "quarantine"))
    assert ("daily", "daily") in taken and ("disabled", "healthy") in taken
    assert ("retry6h", "healthy") not in taken
    # every merged edge of the machine is drawn, the taken ones bold
    edges = _groups(svg, "edge")
    assert len(edges) == 1 + len({(t.source, t.dest) for t in table("quarantine").transitions})
    labels = [t.text or "".join(s.text for s in t) for t in root.iter(f"{SVG}text")
              if t.get("class") == "edge-label"]
    assert any("cycle_failed" in label for label in labels)


def test_taken_transitions_in_order_once_each(run, ids):
    assert taken_transitions(run, ids["job"], "job") == [
        ("NotConfigured", "Active"), ("Active", "Quarantine"), ("Quarantine", "Quarantine"), ("Quarantine", "Active"),
        ("Active", "Active")]


@pytest.mark.parametrize("name", MACHINES)
def test_layout_places_every_state_apart(name):
    lay = layout(name)
    tab = table(name)
    assert set(tab.states) <= set(lay.nodes)
    boxes = [lay.nodes[s] for s in tab.states]
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1:]:
            assert abs(x1 - x2) >= NODE_W or abs(y1 - y2) >= NODE_H
    # the initial state is in the first layer and the start point left of it
    assert lay.nodes[tab.initial][0] == min(lay.nodes[s][0] for s in tab.states)
    assert lay.nodes["[*]"][0] < lay.nodes[tab.initial][0]
    svg = diagram_svg(name)
    ET.fromstring(svg)  # well-formed
    assert _groups(svg, "current") == [] and _groups(svg, "taken") == []


def test_layout_follows_the_happy_path():
    lay = layout("quarantine")
    xs = [lay.nodes[s][0] for s in ("healthy", "retry6h", "retry12h", "retry24h", "daily",
                                    "disabled")]
    assert xs == sorted(xs) and len(set(xs)) == 6
    sync = layout("sync")
    assert sync.unreachable == ("unknownFutureValue",)
    order = ["paused", "validating", "extracting", "inProgress", "success"]
    xs = [sync.nodes[s][0] for s in order]
    assert xs == sorted(xs) and len(set(xs)) == 5
    svg = diagram_svg("sync")
    dashed = [g for g in _groups(svg, "state") if g.get("data-state") == "unknownFutureValue"]
    assert 'stroke-dasharray' in ET.tostring(dashed[0], encoding="unicode")
    assert "unlabelled grey edges: pause" in svg


def test_text_is_escaped():
    svg = diagram_svg("job", title='<job & "friends">')
    assert "<title>&lt;job &amp; &quot;friends&quot;&gt;</title>" in svg
    ET.fromstring(svg)


def test_bad_arguments(run, ids):
    with pytest.raises(ValueError, match="unknown diagram format"):
        run_diagram(run, ids["job"], "job", "png")
    with pytest.raises(ValueError, match="has no events for machine 'sync'"):
        run_diagram(run, ids["job"], "sync")
    with pytest.raises(ValueError, match="no state 'nowhere'"):
        diagram_svg("job", current="nowhere")


def test_render_png_with_graphviz(run, ids, tmp_path, system_tool):
    system_tool("dot", "graphviz")
    out = render_png(run_diagram(run, ids["job"], "job", "dot"), tmp_path / "job.png")
    with Image.open(out) as im:
        assert im.format == "PNG"
        assert im.size[0] > 300 and im.size[1] > 50
        rgb = im.convert("RGB")
        # the current state is filled amber (#ffcc66)
        assert any(c == (255, 204, 102) for _, c in rgb.getcolors(maxcolors=1 << 20))


def test_render_png_reports_graphviz_errors(tmp_path, system_tool):
    system_tool("dot", "graphviz")
    with pytest.raises(RuntimeError, match="dot failed"):
        render_png("digraph {", tmp_path / "bad.png")


def test_render_png_without_graphviz(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz"):
        render_png("digraph { a -> b }", tmp_path / "x.png")


def test_teaching_doc_diagrams_match_the_machines():
    """docs/teaching.md shows every machine as Mermaid; the text must be the generated one."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "teaching.md").read_text(
        encoding="utf-8")
    blocks = re.findall(r"### (\w+)\n\n[^\n]*\n\n```mermaid\n(.*?)```", doc, flags=re.S)
    assert [name for name, _ in blocks] == list(MACHINES)
    for name, text in blocks:
        assert text == to_mermaid(name), f"docs/teaching.md: the {name} diagram is stale"
