"""Architecture: lower layers never import higher ones (models <- machines <- engine <- ...).

The contract is import-linter's, declared in ``pyproject.toml`` (``[tool.importlinter]``) and
run by ``.ci/run`` as ``lint-imports``; these tests run the same contract so the README's test
command checks it too. import-linter reads ``import`` statements only, so a hidden
``importlib.import_module("sdssim.…")`` is checked here against the same layers.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (pytest depends on tomli there)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "sdssim"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _layer_contract() -> dict:
    return next(c for c in CONFIG["contracts"] if c["type"] == "layers")


def _ranks() -> dict[str, int]:
    """Module -> rank (0 is the bottom layer) from the contract's layers, top first."""
    layers = _layer_contract()["layers"]
    ranks = {}
    for height, layer in enumerate(reversed(layers)):
        for name in layer.replace("|", ":").split(":"):
            ranks[name.strip()] = height
    return ranks


RANKS = _ranks()
TOP = max(RANKS.values()) + 1  # the package's own __init__ (the facade) sits above every layer


def _rank(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in RANKS:
            return RANKS[".".join(parts[:n])]
    return TOP


def _lint_imports(cwd: Path, config: Path, env_path: Path | None = None) -> subprocess.CompletedProcess:
    env = None
    if env_path is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(env_path)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
                          cwd=cwd, capture_output=True, text=True, env=env, check=False)


def test_every_subpackage_is_in_a_layer():
    tops = {p.stem if p.is_file() else p.name for p in PKG.iterdir()
            if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.name != "__init__.py"}
    assert {f"sdssim.{t}" for t in tops} <= set(RANKS), "add new top-level modules to the contract"


def test_import_contract_holds():
    proc = _lint_imports(ROOT, ROOT / "pyproject.toml")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_the_contract_sees_an_upward_import(tmp_path):
    """A copy of the package with one upward import breaks the contract (nothing in sdssim/ is written)."""
    copy = tmp_path / "sdssim"
    shutil.copytree(PKG, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "models" / "layer_probe.py").write_text("from sdssim.cli import main\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    proc = _lint_imports(tmp_path, tmp_path / "pyproject.toml", env_path=tmp_path)
    assert proc.returncode != 0
    assert "sdssim.models.layer_probe -> sdssim.cli" in proc.stdout


def _dynamic_imports(source: str, module: str) -> list[str]:
    """Modules named by ``import_module("...")`` or ``__import__("...")`` in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        arg = node.args[0]
        if name in ("import_module", "__import__") and isinstance(arg, ast.Constant) \
                and isinstance(arg.value, str):
            target = arg.value
            if target.startswith("."):
                package = module.split(".")
                level = len(target) - len(target.lstrip("."))
                target = ".".join(package[: len(package) - level] + [target.lstrip(".")])
            found.append(target)
    return found


def _upward_dynamic_imports(source: str, module: str) -> list[str]:
    return [t for t in _dynamic_imports(source, module)
            if t.split(".")[0] == "sdssim" and _rank(t) > _rank(module)]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_no_hidden_upward_import(path):
    module = _module_name(path)
    assert _upward_dynamic_imports(path.read_text(encoding="utf-8"), module) == []


def test_the_hidden_import_check_sees_one():
    source = "import importlib\nexport = importlib.import_module('sdssim.testing.export')\n"
    assert _upward_dynamic_imports(source, "sdssim.engine.simulation") == ["sdssim.testing.export"]
    assert _upward_dynamic_imports("__import__('..cli')", "sdssim.models.job") == ["sdssim.cli"]
    assert _upward_dynamic_imports("import_module('sdssim.models')", "sdssim.engine.core") == []
