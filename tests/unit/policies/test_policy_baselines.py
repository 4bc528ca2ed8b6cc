"""Uniform random and the churn-band rules."""

from __future__ import annotations

import pytest

from policies import (
    Candidate,
    ChurnBandRules,
    Context,
    Event,
    InvalidModel,
    InvalidParameter,
    UniformRandom,
)

OFFERS = [
    Candidate("d", "discount"),
    Candidate("l", "loyalty"),
    Candidate("u", "upsell"),
    Candidate("n", "none"),
]


def test_uniform_random_gives_every_candidate_the_same_probability():
    assert UniformRandom().rank(Context(0.5), OFFERS).probabilities == (0.25,) * 4


@pytest.mark.parametrize(
    "churn, preferred", [(0.9, {"d"}), (0.6, {"d"}), (0.45, {"l"}), (0.1, {"u", "n"})]
)
def test_rules_put_most_probability_on_the_bands_preferred_offers(churn, preferred):
    ranking = ChurnBandRules().rank(Context(churn), OFFERS)
    mass = sum(
        p for o, p in zip(ranking.offer_ids, ranking.probabilities, strict=True) if o in preferred
    )
    assert mass == pytest.approx(0.9 + 0.1 * len(preferred) / 4)
    assert min(ranking.probabilities) == pytest.approx(0.1 / 4)


def test_rules_fall_back_to_uniform_when_no_preferred_offer_is_eligible():
    ranking = ChurnBandRules().rank(Context(0.9), OFFERS[1:])
    assert ranking.probabilities == pytest.approx((1 / 3,) * 3)


def test_rules_follow_a_configured_mapping():
    rules = ChurnBandRules(
        preferences={"low": [], "medium": [], "high": ["loyalty"]}, high_from=0.8, epsilon=0.2
    )
    assert rules.rank(Context(0.85), OFFERS).probabilities[1] == pytest.approx(0.8 + 0.05)
    assert rules.rank(Context(0.75), OFFERS).probabilities == pytest.approx((0.25,) * 4)


def test_baselines_learn_nothing_but_still_check_events():
    event = Event(Context(0.5), tuple(OFFERS), 0, 0.0, 1.0)
    for policy in (UniformRandom(), ChurnBandRules()):
        with pytest.raises(InvalidParameter, match="propensity"):
            policy.learn([event])


def test_baselines_refuse_each_others_saved_state():
    with pytest.raises(InvalidModel, match="data"):
        ChurnBandRules().load(UniformRandom().save())
