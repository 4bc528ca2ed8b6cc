"""Small worlds and runs shared by the simulator tests."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.population import Population, generate
from simulator.scenarios import Stationary


@pytest.fixture(scope="session")
def population() -> Population:
    """50,000 customers from a fixed seed."""
    return generate(50_000, np.random.default_rng(20261123))


@pytest.fixture
def small() -> Stationary:
    """The stationary scenario on 3,000 customers."""
    return Stationary(population_size=3_000)
