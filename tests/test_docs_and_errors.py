"""README and docs/ match the code; the CLI's one-line errors for a missing extra and a busy port."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.M | re.S)


def _sdssim(*args: str, env: dict | None = None, timeout: float = 120, cwd=ROOT,
            prelude: str = "") -> subprocess.CompletedProcess:
    code = (f"import sys\n{prelude}\nfrom sdssim.cli import main\n"
            "sys.argv = ['sdssim', *sys.argv[1:]]\nmain()\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env, check=False)


def test_readme_counts_the_bundled_scenarios():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"\b(\w+) stories are bundled in `scenarios/`", text)
    assert match, "the README no longer says how many scenarios are bundled"
    bundled = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert NUMBERS[match.group(1).lower()] == len(bundled)


def test_docs_cite_only_files_in_the_repository():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for name in re.findall(r"`([\w./-]+\.(?:md|py|yaml|ipynb))`", text):
            if "*" in name or name.startswith(("my", "out/")):
                continue
            candidates = [ROOT / name, doc.parent / name, ROOT / "docs" / name]
            found = any(c.exists() for c in candidates) or any(ROOT.glob(f"**/{name}"))
            assert found, f"{doc.name} cites {name}, which is not in the repository"


def _runnable_blocks() -> list[tuple[str, int, str]]:
    out = []
    for doc in sorted((ROOT / "docs").glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group(1) in ("sh", "bash") and "runnable" in m.group(2).split():
                out.append((doc.name, text[:m.start()].count("\n") + 1, m.group(3)))
    return out


def test_docs_have_runnable_examples():
    assert any(name == "teaching.md" for name, _, _ in _runnable_blocks())


@pytest.mark.parametrize("doc,line,script", _runnable_blocks(),
                         ids=[f"{d}:{n}" for d, n, _ in _runnable_blocks()])
def test_runnable_doc_example(doc, line, script, tmp_path):
    """Each ```sh runnable block runs with bash -e in a scratch copy of the repository root
    (scenarios linked), with this interpreter's sdssim first on PATH."""
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    (tmp_path / "out").mkdir()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "MPLBACKEND": "Agg"}
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, f"{doc}:{line}: {proc.stdout[-1500:]}{proc.stderr[-1500:]}"
    # the commands mentioned their outputs; each written file is there and not empty
    for path in re.findall(r"(?:--out|--html|>)\s+(out/\S+\.\w+)", script):
        assert (tmp_path / path).stat().st_size > 0, path


def test_teaching_guide_uses_only_installed_tools():
    """Every program docs/teaching.md tells a reader to run comes from an extra it names."""
    text = (ROOT / "docs/teaching.md").read_text(encoding="utf-8")
    extras = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if "jupyter " in text:
        assert re.search(r'^notebooks = \[.*"jupyterlab', extras, re.M)
        assert re.search(r'^notebooks = \[.*"nbconvert', extras, re.M)
        assert "pip install -e '.[notebooks]'" in text
    assert "pip install jupyterlab" not in text


def test_report_without_matplotlib_names_the_extra(tmp_path):
    proc = _sdssim("report", str(tmp_path), "--html", str(tmp_path / "r.html"),
                   prelude="sys.modules['matplotlib'] = None")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "pip install 'sdssim[plots]'" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.html").exists()


def test_serve_on_a_busy_port_is_one_line_and_exit_2():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = _sdssim("serve", "--port", str(port), "--scenario",
                       "scenarios/12-quarantine-escalates-to-disabled.yaml")
    assert proc.returncode == 2
    assert proc.stdout == ""                        # nothing announced before the failure
    assert proc.stderr.splitlines() == [
        f"sdssim: error: cannot listen on 127.0.0.1:{port}: the port is already in use"]
