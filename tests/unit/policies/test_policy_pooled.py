"""Pooled ridge: exact least squares per offer, shrunk toward the pooled fit."""

from __future__ import annotations

import numpy as np
import pytest

import policies
from policies import Candidate, Context, Event, InvalidModel, InvalidParameter, freeze_features
from policies.pooled import PooledRidge


def test_pooled_ridge_serves_each_segments_best_offer_in_over_90_percent(world, rng):
    policy = policies.get("pooled-ridge", rng=rng)
    world.train_online(policy, 2000, rng)
    assert world.best_offer_rate(policy, 1000, rng) > 0.9


def _noisy_events(rng: np.random.Generator, n: int, effect: float, noise: float) -> list[Event]:
    """Uniformly logged answers where `loyalty` earns `effect` more than the rest, in noise."""
    offers = (*(Candidate(f"o{k}", "x") for k in range(3)), Candidate("loyalty", "x"))
    events = []
    for _ in range(n):
        churn = float(rng.uniform(0.1, 0.9))
        context = Context(churn, freeze_features({"tenure_months": int(rng.integers(1, 60))}))
        chosen = int(rng.integers(4))
        mean = (effect if chosen == 3 else 0.0) + 0.2 * churn  # the churn part is shared
        reward = float(np.clip(mean + noise * rng.standard_normal(), -1, 1))
        events.append(Event(context, offers, chosen, 0.25, reward))
    return events


def test_a_small_effect_in_large_noise_is_found_from_every_answer():
    events = _noisy_events(np.random.default_rng(4), 8000, effect=0.02, noise=0.15)
    policy = PooledRidge(alpha=0.0)
    policy.learn(events)
    ranking = policy.rank(events[0].context, events[0].candidates)
    assert np.argmax(ranking.scores) == 3
    assert ranking.scores[3] - max(ranking.scores[:3]) == pytest.approx(0.02, abs=0.008)
    assert max(ranking.probabilities) == pytest.approx(0.98 + 0.02 / 4)


def test_an_offer_with_few_answers_is_estimated_near_the_pooled_fit():
    events = _noisy_events(np.random.default_rng(5), 4000, effect=0.0, noise=0.05)
    rare = Candidate("rare", "x")
    context = Context(0.8, freeze_features({"tenure_months": 12}))
    lucky = [Event(context, (rare, *events[0].candidates), 0, 0.5, 1.0)] * 3  # 3 lucky answers
    scores = {}
    for pooling in (0.0, 10_000.0):
        policy = PooledRidge(pooling=pooling, alpha=0.0, refit_every=1)
        policy.learn(events + lucky)
        scores[pooling] = policy.rank(context, (rare, *events[0].candidates)).scores
    others = scores[10_000.0][1:]
    assert scores[0.0][0] > 0.5  # alone, three answers say "rare" earns about 1
    # pooled, its churn and tenure slopes stay the shared ones; only its constant moves
    assert abs(scores[10_000.0][0] - np.mean(others)) < abs(scores[0.0][0] - np.mean(others))


def test_a_new_offer_gets_the_optimistic_score_until_it_is_tried():
    events = _noisy_events(np.random.default_rng(6), 2000, effect=0.05, noise=0.1)
    policy = PooledRidge()
    policy.learn(events)
    new = Candidate("brand_new", "x")
    ranking = policy.rank(events[0].context, (*events[0].candidates, new))
    assert np.argmax(ranking.probabilities) == 4
    assert policies.explores_new_offers("pooled-ridge")
    assert not policies.explores_new_offers("vw")


def test_refits_come_every_refit_every_answers_so_rank_is_pure_between_them():
    events = _noisy_events(np.random.default_rng(7), 40, effect=0.05, noise=0.1)
    policy = PooledRidge(refit_every=16)
    context, offers = events[0].context, events[0].candidates
    policy.learn(events[:16])
    after_refit = policy.rank(context, offers)
    policy.learn(events[16:31])  # 15 more: no refit yet
    assert policy.rank(context, offers) == after_refit
    policy.learn(events[31:32])
    assert policy.rank(context, offers) != after_refit


def test_state_round_trips_bit_for_bit_and_resumed_training_equals_uninterrupted(world):
    events = world.logged_events(200, np.random.default_rng(2))
    whole, half = PooledRidge(refit_every=7), PooledRidge(refit_every=7)
    whole.learn(events)
    half.learn(events[:101])
    resumed = PooledRidge(refit_every=7)
    resumed.load(half.save())
    assert resumed.save() == half.save()
    resumed.learn(events[101:])
    context = world.context_for("A", np.random.default_rng(3))
    # The same sums, added in two batches instead of one: equal up to rounding.
    mine, theirs = resumed.rank(context, world.offers), whole.rank(context, world.offers)
    assert mine.probabilities == theirs.probabilities
    assert np.allclose(mine.scores, theirs.scores, rtol=1e-6, atol=1e-9)


def test_features_beyond_max_features_are_ignored_and_counted():
    policy = PooledRidge(max_features=3)
    offers = (Candidate("a", "x"), Candidate("b", "x"))
    context = Context(0.5, freeze_features({f"f{k}": float(k) for k in range(5)}))
    policy.learn([Event(context, offers, 0, 0.5, 0.3)])
    assert policy.ignored_features > 0
    assert len(policy.rank(context, offers).scores) == 2


def test_explain_names_the_feature_that_sets_the_offer_apart():
    rng = np.random.default_rng(8)
    offers = (Candidate("discount", "d"), Candidate("loyalty", "l"))
    events = []
    for _ in range(3000):
        vip = bool(rng.random() < 0.5)
        chosen = int(rng.integers(2))
        mean = 0.3 if (chosen == 1) == vip else 0.0
        context = Context(0.5, freeze_features({"vip": vip}))
        events.append(Event(context, offers, chosen, 0.5, mean + 0.05 * rng.standard_normal()))
    policy = PooledRidge(pooling=10.0)
    policy.learn(events)
    reasons = policy.explain(Context(0.5, freeze_features({"vip": True})), offers, 1, top=2)
    assert reasons[0].feature == "vip" and reasons[0].weight > 0.1


@pytest.mark.parametrize(
    ("params", "field"),
    [({"pooling": -1}, "pooling"), ({"epsilon": 0}, "epsilon"), ({"max_features": 0},
     "max_features"), ({"refit_every": 0}, "refit_every"), ({"alpha": "x"}, "alpha")],
)  # fmt: skip
def test_bad_parameters_are_invalid_naming_them(params, field):
    with pytest.raises(InvalidParameter) as caught:
        PooledRidge(**params)
    assert caught.value.parameter == field


def test_a_linear_model_is_no_pooled_ridge_model(world):
    linear = policies.get("linucb")
    with pytest.raises(InvalidModel):
        PooledRidge().load(linear.save())
