"""``system_tool``: a missing program skips a test locally (one line) and fails it under CI."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = '''
def test_needs_a_program(system_tool):
    system_tool("sdssim-no-such-program", "sdssim-no-such-package")
'''


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "-p", "no:sdssim", str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)


def test_missing_program_skips_locally_with_the_install_command(tmp_path):
    proc = _run(tmp_path, None)
    assert proc.returncode == 0, proc.stdout
    assert "1 skipped" in proc.stdout
    assert "apt-get install sdssim-no-such-package" in proc.stdout


@pytest.mark.parametrize("value", ["true", "1"])
def test_missing_program_fails_under_ci(tmp_path, value):
    proc = _run(tmp_path, value)
    assert proc.returncode == 1, proc.stdout
    assert "1 failed" in proc.stdout
    assert "sdssim-no-such-program not found" in proc.stdout


def test_a_present_program_is_found(system_tool):
    assert system_tool("python3", "python3") == shutil.which("python3")
