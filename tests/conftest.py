"""Suite-wide fixtures.

A few tests drive real programs that are not Python packages: headless
Chromium (the HTML report) and Graphviz's ``dot`` (diagram PNGs). So that the
README's one test command works on a fresh Debian machine, ``system_tool``
installs the Debian package when the program is missing and we may (root,
apt-get present); otherwise the test fails with the command to run.
"""

import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, Phase, settings

# Long Hypothesis runs, chosen with ``pytest --hypothesis-profile=NAME`` (see docs/behaviour.md):
# ``soak`` runs the model check for 20,000+ steps; ``noshrink`` reports a failure unshrunk.
_LONG = {"max_examples": 400, "stateful_step_count": 60, "deadline": None,
         "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much,
                                   HealthCheck.data_too_large]}
settings.register_profile("soak", **_LONG)
settings.register_profile("noshrink", **_LONG,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])

_APT_UPDATED = False


def _apt_install(package: str) -> str:
    global _APT_UPDATED
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _APT_UPDATED:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600,
                       check=False)
        _APT_UPDATED = True
    proc = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    return proc.stderr[-500:]


@pytest.fixture(scope="session")
def system_tool():
    """``system_tool(binary, package)`` -> path of ``binary``, installing ``package`` if need be."""

    def find(binary: str, package: str) -> str:
        path = shutil.which(binary)
        if path is None and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which(
                "apt-get"):
            detail = _apt_install(package)
            path = shutil.which(binary)
            if path is None:
                pytest.fail(f"{binary} is required; 'apt-get install -y {package}' failed: {detail}")
        if path is None:
            pytest.fail(f"{binary} is required for this test: apt-get install -y {package}")
        return path

    return find
