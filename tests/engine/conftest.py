"""Engine test fixtures."""

import pytest

from sdssim import SimConfig, Simulation


@pytest.fixture
def sim():
    return Simulation(seed=42)


@pytest.fixture
def fast_sim():
    """Profiles sync 10,000 API entries; handy for threshold tests."""
    return Simulation(seed=42, config=SimConfig(api_entry_count=10_000))
