"""Mermaid and Graphviz output: complete, deterministic, highlighting current and path."""

from __future__ import annotations

import pytest

from sdssim.machines import MACHINES, table, to_dot, to_mermaid


@pytest.mark.parametrize("name", MACHINES)
def test_mermaid_contains_every_transition(name):
    tab = table(name)
    text = to_mermaid(name)
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert f"    [*] --> {tab.initial}" in lines
    edges = {}
    for line in lines[2:]:
        head, _, label = line.strip().partition(" : ")
        src, _, dst = head.partition(" --> ")
        edges[(src, dst)] = label.split(", ")
    for t in tab.transitions:
        assert t.trigger in edges[(t.source, t.dest)]
    for t in tab.final_transitions:
        assert t.trigger in edges[(t.source, "[*]")]
    assert "classDef" not in text
    assert text == to_mermaid(name)


def test_mermaid_profile_golden():
    assert to_mermaid("profile", current="deleting", path=["provisioning", "provisioned"]) == (
        "stateDiagram-v2\n"
        "    [*] --> provisioning\n"
        "    provisioning --> provisioned : provisioning_succeeded\n"
        "    provisioning --> provisioningFailed : provisioning_failed\n"
        "    provisioned --> deleting : delete\n"
        "    provisioningFailed --> deleting : delete\n"
        "    deletionFailed --> deleting : delete\n"
        "    deleting --> deletionFailed : deletion_failed\n"
        "    deleting --> [*] : deletion_succeeded\n"
        "    classDef current fill:#ffcc66,stroke:#b36b00,stroke-width:3px\n"
        "    classDef visited fill:#e8f0ff,stroke:#3366cc,stroke-width:2px\n"
        "    class provisioning,provisioned visited\n"
        "    class deleting current\n"
    )


def test_mermaid_merges_parallel_edges():
    text = to_mermaid("job")
    assert "    NotConfigured --> NotRun : apply, validate_credentials_succeeded\n" in text
    assert "    Quarantine --> Quarantine : restart_quarantined, quarantine\n" in text


def test_mermaid_highlights_current_and_path():
    text = to_mermaid("sync", current="inProgress", path=["paused", "validating", "paused"])
    assert "classDef current" in text and "class inProgress current" in text
    assert "class paused,validating visited" in text


@pytest.mark.parametrize("name", MACHINES)
def test_dot_contains_every_transition(name):
    tab = table(name)
    text = to_dot(name)
    assert text.startswith(f'digraph "{name}" {{\n') and text.endswith("}\n")
    assert f'"__start__" -> "{tab.initial}";' in text
    for state in tab.states:
        assert f'    "{state}" [style="rounded"];' in text
    for t in tab.transitions:
        line = next(
            ln for ln in text.splitlines() if ln.strip().startswith(f'"{t.source}" -> "{t.dest}"')
        )
        assert t.trigger in line.split('label="')[1].rstrip('"];').split(", ")
    for t in tab.final_transitions:
        assert f'"{t.source}" -> "__end__" [label="{t.trigger}"];' in text
    assert text == to_dot(name)


def test_dot_highlights_current_and_path():
    text = to_dot("quarantine", current="daily", path=["healthy", "retry6h", "daily"])
    assert '    "daily" [style="rounded,filled", fillcolor="#ffcc66"];' in text
    assert '    "healthy" [style="rounded,bold", penwidth=2];' in text
    assert '    "retry6h" [style="rounded,bold", penwidth=2];' in text
    assert '    "disabled" [style="rounded"];' in text


def test_unknown_state_is_rejected():
    with pytest.raises(ValueError, match="no state"):
        to_mermaid("job", current="Nope")
    with pytest.raises(ValueError, match="no state"):
        to_dot("job", path=["Active", "Nope"])
