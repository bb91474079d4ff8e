"""The pytest plugin, tested with pytester."""

import zlib
from importlib.metadata import entry_points

import pytest

from sdssim import Simulation

#: load the plugin by hand until the package is installed with its pytest11 entry point
REGISTERED = any(ep.value == "sdssim.testing.plugin" for ep in entry_points(group="pytest11"))
PLUGIN = () if REGISTERED else ("-p", "sdssim.testing.plugin")


def run(pytester, *args):
    return pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider", *args)


def test_the_plugin_is_registered_through_the_pytest11_entry_point():
    found = [ep for ep in entry_points(group="pytest11") if ep.name == "sdssim"]
    assert [ep.value for ep in found] == ["sdssim.testing.plugin"]


def test_sds_sim_is_a_fresh_simulation_with_a_stable_seed_per_test(pytester):
    pytester.makepyfile("""
        import zlib
        from sdssim import Simulation

        def test_fresh(sds_sim, request):
            assert isinstance(sds_sim, Simulation)
            assert sds_sim.events == [] and sds_sim.call_log == []
            assert sds_sim.seed == zlib.crc32(request.node.nodeid.encode())
            assert ("sds_seed", sds_sim.seed) in request.node.user_properties
    """)
    run(pytester).assert_outcomes(passed=1)


def test_sds_seed_option_and_marker(pytester):
    pytester.makepyfile("""
        import pytest

        def test_option(sds_sim):
            assert sds_sim.seed == 123

        @pytest.mark.sds_seed(5)
        def test_marker_wins(sds_sim):
            assert sds_sim.seed == 5
    """)
    result = run(pytester, "--sds-seed=123")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["sdssim: --sds-seed=123"])


def test_the_seed_is_printed_when_a_test_fails(pytester):
    pytester.makepyfile("""
        def test_fails(sds_sim):
            sds_sim.advance("1h")
            assert False, "boom"

        def test_passes(sds_sim):
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    seed = zlib.crc32(b"test_the_seed_is_printed_when_a_test_fails.py::test_fails")
    result.stdout.fnmatch_lines([
        "*- sdssim -*",
        f"sds_sim seed: {seed} (rerun with --sds-seed={seed}); virtual time "
        "2026-09-01T09:00:00+00:00",
    ])
    assert result.stdout.str().count("sds_sim seed:") == 1


def test_a_random_seed_is_reported_and_reused_by_every_test(pytester):
    pytester.makepyfile("""
        seen = []

        def test_a(sds_sim):
            seen.append(sds_sim.seed)

        def test_b(sds_sim):
            assert seen == [sds_sim.seed]
    """)
    result = run(pytester, "--sds-seed=random")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["sdssim: --sds-seed=*"])


@pytest.mark.parametrize("value", ["abc", "-3"])
def test_a_bad_seed_is_a_usage_error(pytester, value):
    pytester.makepyfile("def test_x(sds_sim): pass")
    result = run(pytester, f"--sds-seed={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sds-seed*"])


def test_config_and_start_fixtures_can_be_overridden(pytester):
    pytester.makepyfile("""
        import pytest
        from sdssim import SimConfig

        @pytest.fixture
        def sds_config():
            return SimConfig(provisioning_delay="PT1M")

        @pytest.fixture
        def sds_start():
            return "2027-01-04T09:00:00Z"

        def test_it(sds_sim):
            assert sds_sim.now.year == 2027
            assert sds_sim.config.provisioning_delay.total_seconds() == 60
    """)
    run(pytester).assert_outcomes(passed=1)


def test_failing_simulations_are_exported_as_scenarios(pytester):
    pytester.makepyfile("""
        def test_fails(sds_sim):
            job = sds_sim.create_job("sp-1", {"templateId": "scim"}, objects={"User": 10})
            sds_sim.start_job("sp-1", job.id)
            sds_sim.advance("2h")
            assert False
    """)
    out = pytester.path / "failures"
    result = run(pytester, f"--sds-export={out}")
    result.assert_outcomes(failed=1)
    [path] = out.iterdir()
    result.stdout.fnmatch_lines([f"scenario: {path} (replay: sdssim run {path})"])
    from sdssim import scenario

    replayed = scenario.run(scenario.load(path))
    assert replayed.passed and len(replayed.sim.events) > 3


def test_sds_server_serves_sds_sim_with_a_controllable_clock(pytester):
    pytester.makepyfile("""
        import json
        import urllib.request

        def get(url):
            req = urllib.request.Request(url, headers={"Authorization": "Bearer t"})
            with urllib.request.urlopen(req) as resp:
                return json.loads(resp.read())

        def test_server(sds_server):
            assert sds_server.startswith("http://127.0.0.1:")
            job = sds_server.sim.create_job("sp-1", {"templateId": "scim"})
            doc = get(f"{sds_server}/v1.0/servicePrincipals/sp-1/synchronization/jobs/{job.id}")
            assert doc["status"]["code"] == "NotConfigured"
            assert sds_server.advance("PT40M") == sds_server.sim.now == sds_server.now()
            assert sds_server.sim.now.minute == 40
    """)
    run(pytester).assert_outcomes(passed=1)


def test_sds_server_options_reach_the_app(pytester):
    pytester.makepyfile("""
        import urllib.error
        import urllib.request
        import pytest

        @pytest.fixture
        def sds_server_options():
            return {"token": "secret"}

        def test_token(sds_server):
            req = urllib.request.Request(f"{sds_server}/v1.0/servicePrincipals/sp/synchronization/jobs",
                                         headers={"Authorization": "Bearer wrong"})
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(req)
            assert err.value.code == 401
    """)
    run(pytester).assert_outcomes(passed=1)


def test_seed_for_outside_a_session_matches_the_fixture(sds_sim, request):
    from sdssim.testing.plugin import seed_for

    assert sds_sim.seed == seed_for(request.node)
    assert isinstance(sds_sim, Simulation)
