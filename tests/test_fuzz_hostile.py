"""Bounded fuzzing in CI (example counts, not time): mutated scenarios, hostile HTTP
requests and hostile Python API calls.  ``tools/fuzz.py`` runs the same generators longer
(docs/fuzzing.md has its figures)."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdssim.cli import main
from sdssim.engine import Simulation
from sdssim.errors import SdsSimError
from sdssim.server.app import create_app
from sdssim.server.testing import running_server
from sdssim.testing.fuzzing import http_cases, scenario_mutants

REPO = Path(__file__).resolve().parents[1]
SEEDS = [p.read_bytes() for p in sorted((REPO / "scenarios").glob("*.yaml"))]


def test_mutated_scenarios_never_exit_3_and_validate_agrees_with_run(tmp_path):
    runner = CliRunner()
    codes = {0: 0, 1: 0, 2: 0}
    for i, text in enumerate(scenario_mutants(random.Random(13), SEEDS, 120)):
        path = tmp_path / f"m{i}.yaml"
        path.write_bytes(text)
        checked = runner.invoke(main, ["validate", str(path)])
        assert checked.exit_code in (0, 2), (text, checked.output)
        assert "Traceback" not in checked.output
        if checked.exit_code == 2:
            codes[2] += 1
            continue
        ran = runner.invoke(main, ["run", str(path), "-q", "--until", "+2d",
                                   "--out", str(tmp_path / f"o{i}")])
        assert ran.exit_code in (0, 1), (text, ran.output)  # never 2 after validate said ok
        codes[ran.exit_code] += 1
    assert codes[2] > 60 and codes[0] + codes[1] > 0  # the mutations bite, and not all of them


def test_hostile_requests_never_get_a_500():
    sim = Simulation(seed=17)
    app = create_app(sim, token="fuzz-token", max_body=64 * 1024)
    statuses: set[int] = set()
    with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        for method, path, headers, body in http_cases(random.Random(17), client, 400):
            try:
                response = client.request(method, path, headers=headers, content=body)
            except (httpx.LocalProtocolError, httpx.InvalidURL):
                continue  # httpx will not send it; nothing reached the server
            statuses.add(response.status_code)
            assert response.status_code < 500, (method, path, headers, body[:200],
                                                response.text)
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/json"
                assert method == "HEAD" or "error" in response.json()  # HEAD has no body
    assert {200, 400, 413} <= statuses


_HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["P1D", "PT-1S", "+1d", "10000-01-01T00:00:00Z",
                                           "²", "job/x", "profile/x"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=3),
)
_CALLS = ["create_profile", "get_profile", "delete_profile", "pause_profile", "start_profile",
          "upload_files", "create_job", "get_job", "start_job", "update_job", "restart_job",
          "advance", "run_until", "add_fault"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(st.tuples(st.sampled_from(_CALLS), st.lists(_HOSTILE, max_size=3)),
                      max_size=6))
def test_hostile_api_calls_raise_only_sdssim_errors(calls):
    sim = Simulation(seed=1)
    job = sim.create_job("sp", {"templateId": "scim"}, objects={"User": 10})
    for name, args in calls:
        if name in ("get_job", "start_job", "update_job", "restart_job"):
            args = ["sp", job.id, *args][: 2 + (name in ("update_job",))]
        elif name == "add_fault":
            args = [args[0] if args else "throttle"]
        try:
            getattr(sim, name)(*args)
        except (SdsSimError, TypeError, ValueError) as exc:
            # refused: a TypeError only for a wrong number of arguments, said by Python
            assert not isinstance(exc, TypeError) or "argument" in str(exc), exc
        except OverflowError as exc:  # pragma: no cover - would be a bug
            pytest.fail(f"{name}{tuple(args)!r}: OverflowError {exc}")
