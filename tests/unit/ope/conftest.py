"""Fixtures of the OPE tests: a fixed-seed generator and a random batch of arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest


@dataclass(frozen=True)
class Arrays:
    """Random but valid inputs of `nba.ope.evaluate`."""

    reward: np.ndarray
    action: np.ndarray
    pscore: np.ndarray
    action_dist: np.ndarray
    estimated_rewards: np.ndarray
    logging_dist: np.ndarray


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


@pytest.fixture
def arrays(rng: np.random.Generator) -> Arrays:
    n, k = 500, 4
    logging = rng.dirichlet(np.ones(k), size=n)
    action = np.array([rng.choice(k, p=p) for p in logging])
    candidate = rng.dirichlet(np.ones(k) * 0.5, size=n)
    return Arrays(
        reward=rng.binomial(1, 0.3, n).astype(float),
        action=action,
        pscore=logging[np.arange(n), action],
        action_dist=candidate,
        estimated_rewards=rng.uniform(0, 1, (n, k)),
        logging_dist=logging,
    )
