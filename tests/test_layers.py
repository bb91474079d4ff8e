"""Architecture: lower layers never import higher ones (models <- machines <- engine <- ...)."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "sdssim"
RANK = {
    "errors": 0, "clock": 0,
    "models": 1,
    "machines": 2,
    "engine": 3,
    "outputs": 4, "scenario": 4, "server": 5, "testing": 5, "sweep": 5,
    "cli": 6, "cli_checkpoints": 6, "progress": 6, "__main__": 6, "__init__": 6,
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = path.relative_to(PKG).parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[:-1])[: len(here) - node.level]
                parts = base + (node.module.split(".") if node.module else [])
                if parts:
                    found.add(parts[0].removesuffix(".py"))
                else:
                    found.update(alias.name for alias in node.names)
            elif node.module and node.module.split(".")[0] == "sdssim":
                parts = node.module.split(".")
                found.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sdssim":
                    found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


MODULES = sorted(p for p in PKG.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_imports_only_lower_or_same_layers(path):
    layer = _layer(path)
    rank = RANK[layer]
    for other in _imported_layers(path):
        if other == layer or other not in RANK:
            continue
        assert RANK[other] <= rank, f"{path.relative_to(PKG)} ({layer}) imports {other}"


def test_only_machines_imports_transitions():
    offenders = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            if any(n.split(".")[0] == "transitions" for n in names) and _layer(path) != "machines":
                offenders.append(str(path.relative_to(PKG)))
    assert offenders == []


def test_the_checker_sees_a_violation():
    """The import parser must detect an upward import, or the test above proves nothing."""
    fake = PKG / "models" / "_layer_probe_tmp.py"
    fake.write_text("from ..engine import Simulation\nfrom sdssim.cli import main\n")
    try:
        assert _imported_layers(fake) == {"engine", "cli"}
    finally:
        fake.unlink()
