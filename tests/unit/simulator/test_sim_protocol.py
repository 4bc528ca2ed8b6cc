"""A scenario written by an analyst runs with the same tools through the protocol."""

from __future__ import annotations

import numpy as np

from simulator import Scenario, World, build_world, compare
from simulator.catalog import DEFAULT_OFFERS
from simulator.lineup import factory


class SummerOfData:
    """Everybody wants the data bonus in summer (the second half of the run)."""

    name = "summer_of_data"
    steps_per_day = 100.0
    reward_window_days = 7.0
    fatigue_half_life_days = 14.0

    def world(self, rng: np.random.Generator) -> World:
        return build_world(1_000, rng)

    def active(self, steps: np.ndarray) -> np.ndarray:
        return np.ones((len(steps), len(DEFAULT_OFFERS)), dtype=bool)

    def logits(self, world: World, customers: np.ndarray, steps: np.ndarray) -> np.ndarray:
        out = world.logits[customers].copy()
        summer = steps >= 500
        out[summer, [o.id for o in world.offers].index("data_bonus")] = 8.0
        return out

    def delays_days(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.zeros(n)


def test_a_user_written_scenario_satisfies_the_protocol() -> None:
    assert isinstance(SummerOfData(), Scenario)


def test_a_user_written_scenario_runs_side_by_side() -> None:
    results = compare(
        SummerOfData(), {"oracle": factory("oracle"), "random": factory("random")}, 1_000, [0]
    )
    oracle = results[0]
    summer = oracle.frame["step"] >= 500
    assert (oracle.frame.loc[summer, "offer_id"] == "data_bonus").all()
    assert results[1].regret[-1] > 0
