"""The public facade is curated: this test pins it."""

import sdssim


def test_public_names_are_exactly_the_curated_facade():
    assert sorted(sdssim.__all__) == sorted([
        "CheckpointError",
        "ErrorRecord",
        "EventRecord",
        "Fault",
        "SimConfig",
        "Simulation",
        "SnapshotRecord",
        "to_scenario",
        "__version__",
    ])


def test_every_public_name_resolves():
    for name in sdssim.__all__:
        assert getattr(sdssim, name) is not None


def test_version_matches_package_metadata():
    from importlib.metadata import version

    assert sdssim.__version__ == version("sdssim")


def test_checkpoint_methods_are_on_the_facade():
    sim = sdssim.Simulation(seed=1)
    copy = sdssim.Simulation.restore(sim.checkpoint())
    assert copy.now == sim.now and sim.branch().now == sim.now
    assert callable(sim.save)
    assert issubclass(sdssim.CheckpointError, ValueError)


def test_to_scenario_writes_what_the_simulation_did(tmp_path):
    from sdssim.scenario import load, run
    from sdssim.scenario.defaults import default_profile_body

    sim = sdssim.Simulation(seed=4)
    sim.create_profile(default_profile_body("north"))
    sim.advance("PT1H")
    path = tmp_path / "replay.yaml"
    text = sdssim.to_scenario(sim, path)
    assert path.read_text(encoding="utf-8") == text
    replayed = run(load(path))
    assert replayed.passed
    assert [e.to_json() for e in replayed.sim.events] == [e.to_json() for e in sim.events]


def test_the_engine_does_not_know_about_scenarios():
    assert not hasattr(sdssim.Simulation, "to_scenario")
