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
