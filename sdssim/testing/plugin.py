"""The sdssim pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

``sds_sim``
    A fresh :class:`~sdssim.Simulation`.  Its seed is, in order of precedence,
    the test's ``@pytest.mark.sds_seed(N)``, ``--sds-seed=N`` (``random``: a
    new seed each run), or a stable seed derived from the test's node id.
    When the test fails the seed is printed in an ``sdssim`` report section
    (and recorded as the ``sds_seed`` user property, e.g. in JUnit XML);
    with ``--sds-export=DIR`` the failing simulation is also written to DIR
    as a scenario that ``sdssim run`` replays.
``sds_config``, ``sds_start``
    Override these fixtures to give ``sds_sim`` a :class:`~sdssim.SimConfig`
    or a start time.
``sds_server`` (only when the ``server`` extra, Starlette and uvicorn, is installed)
    The base URL (a ``str``) of a fake Graph server over ``sds_sim``,
    running on a free loopback port for the test.  It also has ``.sim``,
    ``.advance(duration)`` (moves the server's virtual clock through its
    control API) and ``.now()``.  Override ``sds_server_options`` to pass
    :func:`sdssim.server.create_app` options (``token``, ``rate_limit``, …).

Importing this module imports neither Hypothesis nor the server.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import urllib.request
import zlib
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from sdssim.clock import DEFAULT_START, format_duration, parse_duration, parse_timestamp
from sdssim.engine import SimConfig, Simulation

__all__ = ["ServerURL", "seed_for"]

SIM_KEY = pytest.StashKey[Simulation]()
_SESSION_SEED = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sdssim", "sdssim simulations")
    group.addoption("--sds-seed", action="store", default=None, metavar="SEED",
                    help="seed of every sds_sim simulation: an integer, or 'random' for a new "
                         "seed each run (default: a stable seed per test)")
    group.addoption("--sds-export", action="store", default=None, metavar="DIR",
                    help="write the simulation of each failing test using sds_sim to DIR as a "
                         "scenario that 'sdssim run' replays")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sds_seed(seed): the seed of this test's sds_sim")
    value = config.getoption("--sds-seed", default=None)
    if value == "random":
        config.stash[_SESSION_SEED] = random.SystemRandom().randrange(2**32)
    elif value is not None:
        try:
            seed = int(value)
        except ValueError:
            raise pytest.UsageError(
                f"--sds-seed must be an integer or 'random', not {value!r}") from None
        if seed < 0:
            raise pytest.UsageError("--sds-seed cannot be negative")
        config.stash[_SESSION_SEED] = seed


def pytest_report_header(config: pytest.Config) -> str | None:
    if _SESSION_SEED in config.stash:
        return f"sdssim: --sds-seed={config.stash[_SESSION_SEED]}"
    return None


def seed_for(node: pytest.Item) -> int:
    """The seed ``sds_sim`` uses for ``node`` (marker, then ``--sds-seed``, then its node id)."""
    marker = node.get_closest_marker("sds_seed")
    if marker is not None:
        if len(marker.args) != 1 or not isinstance(marker.args[0], int) or marker.args[0] < 0:
            raise pytest.UsageError("@pytest.mark.sds_seed takes one non-negative integer")
        return marker.args[0]
    if _SESSION_SEED in node.config.stash:
        return node.config.stash[_SESSION_SEED]
    return zlib.crc32(node.nodeid.encode("utf-8"))


@pytest.fixture
def sds_config() -> SimConfig | None:
    """The ``SimConfig`` of ``sds_sim`` (``None``: the documented defaults); override to change."""
    return None


@pytest.fixture
def sds_start() -> str:
    """The start time of ``sds_sim``; override to change."""
    return DEFAULT_START


@pytest.fixture
def sds_sim(request: pytest.FixtureRequest, sds_config: SimConfig | None,
            sds_start: str) -> Simulation:
    """A fresh seeded Simulation; the seed is printed when the test fails."""
    seed = seed_for(request.node)
    sim = Simulation(seed=seed, start=sds_start, config=sds_config)
    request.node.stash[SIM_KEY] = sim
    request.node.user_properties.append(("sds_seed", seed))
    return sim


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and SIM_KEY in item.stash:
        sim = item.stash[SIM_KEY]
        text = (f"sds_sim seed: {sim.seed} (rerun with --sds-seed={sim.seed}); "
                f"virtual time {sim.now.isoformat()}")
        folder = item.config.getoption("--sds-export", default=None)
        if folder and report.when == "call":
            text += "\n" + _export(sim, folder, item.nodeid)
        report.sections.append(("sdssim", text))
    return report


def _export(sim: Simulation, folder: str, nodeid: str) -> str:
    from sdssim.scenario.export import to_scenario

    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    path = os.path.join(folder, f"{name}.yaml")
    try:
        os.makedirs(folder, exist_ok=True)
        to_scenario(sim, path, name=nodeid)
    except (OSError, ValueError) as exc:
        return f"scenario not written: {exc}"
    return f"scenario: {path} (replay: sdssim run {path})"


class ServerURL(str):
    """The base URL of a running fake Graph server, with its simulation and clock."""

    sim: Simulation

    def __new__(cls, url: str, sim: Simulation) -> ServerURL:
        self = super().__new__(cls, url)
        self.sim = sim
        return self

    @property
    def url(self) -> str:
        return str(self)

    def _control(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(f"{self}/_sdssim/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def advance(self, duration: object) -> Any:
        """Advance the server's virtual clock (ISO 8601, ``40m``, seconds or timedelta)."""
        iso = format_duration(parse_duration(duration))
        doc = self._control("POST", "clock/advance", {"duration": iso})
        return parse_timestamp(doc["now"])

    def now(self) -> Any:
        """The server's virtual time."""
        return parse_timestamp(self._control("GET", "clock")["now"])


def _server_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("starlette", "uvicorn"))


if _server_available():

    @pytest.fixture
    def sds_server_options() -> dict[str, Any]:
        """Options of the ``sds_server`` app (``sdssim.server.create_app``); override to change."""
        return {}

    @pytest.fixture
    def sds_server(sds_sim: Simulation, sds_server_options: dict[str, Any]
                   ) -> Iterator[ServerURL]:
        """Base URL of a fake Graph server over ``sds_sim`` on a free loopback port."""
        from sdssim.server.testing import running_server

        with running_server(sds_sim, **sds_server_options) as base_url:
            yield ServerURL(base_url, sds_sim)
