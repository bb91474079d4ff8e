"""Suite-wide fixtures.

A few tests drive real programs that are not Python packages: headless
Chromium (the HTML report), Graphviz's ``dot`` (diagram PNGs) and Node.js
(JavaScript clients). Tests never install them: ``.ci/run`` does, with
apt-get. ``system_tool`` finds one; when it is missing the test is skipped
with one line saying what to install, except under ``CI=true``, where a
missing program fails the test (CI must exercise every real part).
"""

import os
import shutil

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


def under_ci() -> bool:
    """True when the environment says this is CI (``CI=true``, as GitHub and .ci/run set)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def system_tool():
    """``system_tool(binary, package, *other_names)`` -> path of ``binary`` (or of the first
    other name found: a program some systems name differently); skips (fails under CI) if
    none is found."""

    def find(binary: str, package: str, *other_names: str) -> str:
        path = next(filter(None, map(shutil.which, (binary, *other_names))), None)
        if path is None:
            message = f"{binary} not found: install it with 'apt-get install {package}' (.ci/run does)"
            if under_ci():
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        return path

    return find
