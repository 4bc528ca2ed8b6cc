"""Closed-loop runs: determinism, common random numbers, the log schema, learning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import policies
from nba.logschema import EXPORT_COLUMNS, read_log, write_log
from simulator import compare, run
from simulator.lineup import factory
from simulator.runner import oracle
from simulator.scenarios import Delayed, NewOffer, Stationary


def test_same_seed_gives_the_same_run(small: Stationary) -> None:
    first = run(small, policies.get("vw-squarecb", rng=np.random.default_rng(3)), 1_500, seed=11)
    second = run(small, policies.get("vw-squarecb", rng=np.random.default_rng(3)), 1_500, seed=11)
    assert np.array_equal(first.chosen, second.chosen)
    assert np.array_equal(first.rewards, second.rewards)
    pd.testing.assert_frame_equal(first.log, second.log)


def test_policies_side_by_side_meet_the_same_customers(small: Stationary) -> None:
    results = compare(small, {"random": factory("random"), "rules": factory("rules")}, 500, [4])
    assert np.array_equal(results[0].customers, results[1].customers)
    assert np.array_equal(results[0].churn_scores, results[1].churn_scores)
    assert not np.array_equal(results[0].chosen, results[1].chosen)


def test_log_has_the_schema_columns_and_round_trips(small: Stationary, tmp_path) -> None:
    result = run(small, policies.get("random"), 300, seed=1)
    log = result.log
    assert tuple(log.columns) == EXPORT_COLUMNS
    assert log["decision_id"].is_unique
    chosen_probability = [
        probs[eligible.index(offer)]
        for probs, eligible, offer in zip(
            log["probabilities"], log["eligible"], log["offer_id"], strict=True
        )
    ]
    assert np.allclose(chosen_probability, log["propensity"])
    assert (log["reward"] == log["accepted"].astype(float)).all()
    for suffix in ("parquet", "csv"):
        back = read_log(write_log(log, tmp_path / f"log.{suffix}"))
        assert list(back["offer_id"]) == list(log["offer_id"])


def test_regret_is_oracle_minus_policy(small: Stationary) -> None:
    result = run(small, policies.get("random"), 400, seed=2)
    assert result.regret[-1] == pytest.approx(
        (result.oracle_rewards - result.expected_rewards).sum()
    )
    assert (result.oracle_rewards >= result.expected_rewards - 1e-12).all()
    assert set(result.offer_mix().index) == {"low", "medium", "high"}


def test_oracle_beats_every_other_policy_in_expectation(small: Stationary) -> None:
    names = ("oracle", "random", "rules", "rules-best", "vw-squarecb")
    results = compare(small, {n: factory(n) for n in names}, 2_000, [0, 1])
    mean = (
        pd.DataFrame(
            {
                "policy": [r.policy for r in results],
                "reward": [r.expected_rewards.mean() for r in results],
            }
        )
        .groupby("policy")["reward"]
        .mean()
    )
    assert (mean.drop("oracle") < mean["oracle"]).all()


def test_learning_beats_random_on_a_short_run() -> None:
    scenario = Stationary(population_size=5_000)
    results = compare(
        scenario, {"vw": factory("vw-squarecb"), "random": factory("random")}, 4_000, [7]
    )
    learned, uniform = (r.expected_rewards[-2_000:].mean() for r in results)
    assert learned > 1.5 * uniform


def test_delayed_outcomes_are_learned_late_defaulted_or_pending() -> None:
    scenario = Delayed(population_size=2_000, steps_per_day=100.0, reward_window_days=3.0)
    result = run(scenario, policies.get("random"), 1_000, seed=3)
    sources = np.bincount(result.source, minlength=3)
    assert sources.min() > 0  # some pending at the end, some reported, some defaulted
    log = result.log
    assert log["reward"].isna().sum() == sources[0]
    assert (log.loc[result.source == 2, "reward"] == 0).all()


def test_new_offer_is_offered_only_after_it_is_added() -> None:
    scenario = NewOffer(population_size=2_000, added_at=500)
    result = run(scenario, policies.get("random"), 1_000, seed=4)
    new = scenario.new_offer.id
    eligible = result.log["eligible"]
    assert all(new not in e for e in eligible[:500]) and all(new in e for e in eligible[500:])
    chosen = result.log["offer_id"]
    assert (chosen[:500] != new).all() and (chosen[500:] == new).any()


def test_oracle_factory_picks_the_true_best(small: Stationary) -> None:
    result = compare(small, {"oracle": oracle}, 300, [5])[0]
    assert np.array_equal(result.chosen, result.oracle_choice)
