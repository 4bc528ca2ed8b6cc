"""LinUCB and linear Thompson sampling on the shared numeric encoding."""

from __future__ import annotations

import numpy as np
import pytest

import policies
from policies import Context, Event, InvalidModel, InvalidParameter, LinearThompson, LinUCB


@pytest.mark.parametrize("name", ["linucb", "lints"])
def test_linear_policy_serves_each_segments_best_offer_in_over_90_percent(world, rng, name):
    policy = policies.get(name, rng=rng)
    world.train_online(policy, 2000, rng)
    assert world.best_offer_rate(policy, 1000, rng) > 0.9


def test_lints_probabilities_are_reproducible_for_the_same_decision(world):
    policy = LinearThompson(np.random.default_rng(1))
    policy.learn(world.logged_events(200, np.random.default_rng(2)))
    context = world.context_for("A", np.random.default_rng(3))
    first = policy.rank(context, world.offers)
    assert policy.rank(context, world.offers) == first
    other = LinearThompson(np.random.default_rng(99))
    other.load(policy.save())
    assert other.rank(context, world.offers) == first


def test_an_untrained_linucb_predicts_zero_reward_and_explores_every_offer(world):
    ranking = LinUCB(np.random.default_rng(1)).rank(Context(0.5), world.offers)
    assert ranking.scores == (0.0,) * 4
    assert min(ranking.probabilities) == pytest.approx(0.05 / 4)


def test_forgetting_lets_linucb_follow_a_changed_world(world):
    context = world.context_for("A", np.random.default_rng(3))
    first = [Event(context, world.offers, 0, 0.25, 1.0)] * 200
    later = [Event(context, world.offers, 0, 0.25, 0.0)] * 50
    scores = {}
    for gamma in (1.0, 0.9):
        policy = LinUCB(np.random.default_rng(1), gamma=gamma)
        policy.learn(first + later)
        scores[gamma] = policy.rank(context, world.offers).scores[0]
    assert scores[0.9] < 0.05 < 0.7 < scores[1.0]


def test_importance_weighting_changes_what_linucb_learns(world):
    events = world.logged_events(100, np.random.default_rng(2))
    events = [Event(e.context, e.candidates, e.chosen, 0.1 if e.chosen == 0 else 0.9, e.reward)
              for e in events]  # fmt: skip
    context = world.context_for("A", np.random.default_rng(3))
    plain = LinUCB(np.random.default_rng(1))
    weighted = LinUCB(np.random.default_rng(1), importance_weighting=True)
    plain.learn(events)
    weighted.learn(events)
    assert plain.rank(context, world.offers) != weighted.rank(context, world.offers)


@pytest.mark.parametrize("cls", [LinUCB, LinearThompson])
def test_linear_state_round_trips_bit_for_bit(world, cls):
    policy = cls(np.random.default_rng(1))
    policy.learn(world.logged_events(100, np.random.default_rng(2)))
    other = cls(np.random.default_rng(5))
    other.load(policy.save())
    assert other.save() == policy.save()


@pytest.mark.parametrize("cls", [LinUCB, LinearThompson])
def test_resumed_linear_training_equals_uninterrupted(world, cls):
    events = world.logged_events(200, np.random.default_rng(2))
    whole, half = cls(np.random.default_rng(1)), cls(np.random.default_rng(1))
    whole.learn(events)
    half.learn(events[:100])
    resumed = cls(np.random.default_rng(7))
    resumed.load(half.save())
    resumed.learn(events[100:])
    assert resumed.save() == whole.save()


@pytest.mark.parametrize("data", [b"", b"junk", None])
def test_loading_garbage_into_a_linear_policy_is_an_invalid_model(data):
    with pytest.raises(InvalidModel, match="data"):
        LinUCB().load(data)  # type: ignore[arg-type]


def test_loading_a_model_of_another_dimension_is_an_invalid_model():
    with pytest.raises(InvalidModel, match="dim"):
        LinUCB(dim=64).load(LinUCB(dim=32).save())


@pytest.mark.parametrize("propensity", [0.0, -0.1, 1.1, float("nan")])
def test_a_bad_propensity_is_an_invalid_parameter_for_linear_policies(world, propensity):
    event = Event(Context(0.5), world.offers, 0, propensity, 1.0)
    with pytest.raises(InvalidParameter, match="propensity"):
        LinUCB().learn([event])
