"""Fixtures of the testing-kit tests: pytester, the sdssim plugin, the example client on sys.path."""

import sys
from importlib.metadata import entry_points
from pathlib import Path

#: the plugin is loaded through its pytest11 entry point once the package is installed with it
_REGISTERED = any(ep.value == "sdssim.testing.plugin" for ep in entry_points(group="pytest11"))

pytest_plugins = ["pytester"] + ([] if _REGISTERED else ["sdssim.testing.plugin"])

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sync_watcher"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))
