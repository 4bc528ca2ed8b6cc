"""Simulated customers for batch campaigns: a file's columns, a trained model, the truth.

The customers are a `Stationary` world's population (the one `run` builds for a seed), with
the CRM-visible fields as context columns, so a policy trained by `run` on that seed scores
them as it learned them; the truth is each offer's acceptance probability with no fatigue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import policies
from policies.base import Policy
from simulator.runner import run, streams
from simulator.scenarios import Stationary, World
from simulator.truth import acceptance


def campaign_world(population_size: int, seed: int) -> World:
    """The world `run(Stationary(population_size=...), ..., seed=seed)` draws."""
    return Stationary(population_size=population_size).world(streams(seed)[0])


def customers_frame(world: World) -> pd.DataFrame:
    """A campaign's input: `customer_id`, `churn_score` and the visible context fields."""
    frame = world.population.to_frame()
    frame.insert(0, "churn_score", world.churn_scores)
    frame.insert(0, "customer_id", [f"c{i}" for i in range(world.population.size)])
    frame["recent_contacts"] = 0.0
    return frame


def true_acceptance(world: World) -> np.ndarray:
    """Each customer's chance of accepting each offer (columns in the world's offer order)."""
    return np.asarray(acceptance(world.logits, 0.0, world.model.fatigue_per_contact))


def trained_policy(population_size: int, steps: int, seed: int) -> Policy:
    """A VW policy trained online by `run` on that world (`steps` decisions)."""
    policy = policies.get("vw", rng=np.random.default_rng(seed))
    run(Stationary(population_size=population_size), policy, steps, seed)
    return policy
