"""Reasons name the customer's fields and the offer's features that set it above the others."""

from __future__ import annotations

import math

import numpy as np
import pytest

import policies
from policies import Candidate, Context, Event, Explainer, freeze_features, unexplained_note
from policies.attribution import DecisionNames, relative_reasons

OFFERS = (
    Candidate("discount_10", "discount", freeze_features({"discount_pct": 10})),
    Candidate("loyalty", "loyalty", freeze_features({"points": 500})),
    Candidate("device", "device", freeze_features({"device": "flagship"})),
    Candidate("no_action", "none"),
)
LOYALTY = 1


def _accept(context: Context, chosen: int) -> float:
    """Loyalty is accepted by long-tenure customers only; the others by anyone, a little."""
    if chosen == LOYALTY:
        return 0.7 if dict(context.features)["tenure_months"] >= 36 else 0.05
    return (0.2, 0.0, 0.15, 0.05)[chosen]


def _customer(tenure: int, plan: str = "gold", churn: float = 0.5) -> Context:
    return Context(churn, freeze_features({"tenure_months": tenure, "plan": plan}))


@pytest.fixture(scope="module")
def events() -> list[Event]:
    """3,000 uniformly logged decisions of the tenure world (fixed seed)."""
    rng = np.random.default_rng(1)
    out = []
    for _ in range(3000):
        context = _customer(
            int(rng.integers(1, 61)), str(rng.choice(["basic", "gold"])), rng.uniform(0.2, 0.9)
        )
        chosen = int(rng.integers(len(OFFERS)))
        out.append(
            Event(context, OFFERS, chosen, 0.25, float(rng.random() < _accept(context, chosen)))
        )
    return out


def _learned(name: str, events: list[Event], **params: object) -> policies.Policy:
    policy = policies.get(name, rng=np.random.default_rng(2), **params)
    policy.learn(events)
    return policy


@pytest.mark.parametrize("name", ["vw", "vw-epsilon", "vw-bag", "vw-cover"])
def test_the_offer_long_tenure_wins_is_explained_first_by_tenure(events, name):
    policy = _learned(name, events)
    assert isinstance(policy, Explainer)
    top = policy.explain(_customer(48), OFFERS, LOYALTY)[0]
    assert (top.feature, top.source, top.value) == ("tenure_months", "context", 48)
    assert top.weight > 0.2  # the learned lift is 0.7 - ~0.1: most of it is tenure's


def test_no_reason_is_a_constant_or_an_encoded_name(events):
    policy = _learned("vw", events)
    assert isinstance(policy, Explainer)
    allowed = {"tenure_months", "plan", "churn_score", "offer", "category", "discount_pct",
               "points", "device"}  # fmt: skip
    for index in range(len(OFFERS)):
        for reason in policy.explain(_customer(30, "basic"), OFFERS, index, top=100):
            assert set(reason.feature.split(" & ")) <= allowed, reason
            assert reason.source in ("context", "churn_score", "offer")
            assert reason.weight != 0.0 and math.isfinite(reason.weight)


def test_the_churn_score_is_named_as_such(events):
    policy = _learned("vw", events)
    assert isinstance(policy, Explainer)
    found = [r for r in policy.explain(_customer(20, churn=0.83), OFFERS, 0, top=100)
             if r.source == "churn_score"]  # fmt: skip
    assert [(r.feature, r.value) for r in found] == [("churn_score", 0.83)]


def test_two_offers_of_one_decision_have_different_reasons(events):
    policy = _learned("vw", events)
    assert isinstance(policy, Explainer)
    context = _customer(48)
    loyalty = policy.explain(context, OFFERS, LOYALTY, top=100)
    discount = policy.explain(context, OFFERS, 0, top=100)
    assert loyalty != discount
    tenure = {r.feature: r.weight for r in discount}["tenure_months"]
    assert tenure < 0  # long tenure makes the discount lose against loyalty


def test_reasons_add_up_to_the_offers_lead_over_the_mean_of_the_others(events):
    policy = _learned("vw", events, scores="reward")
    assert isinstance(policy, Explainer)
    context = _customer(40, "basic")
    scores = policy.rank(context, OFFERS).scores
    for index, score in enumerate(scores):
        lead = score - np.mean([s for i, s in enumerate(scores) if i != index])
        total = sum(r.weight for r in policy.explain(context, OFFERS, index, top=1000))
        assert total == pytest.approx(lead, abs=1e-3)


def test_reward_scores_are_estimates_of_the_reward_not_probabilities(events):
    policy = _learned("vw", events, scores="reward")
    for tenure in (6, 48):
        ranking = policy.rank(_customer(tenure), OFFERS)
        assert ranking.scores != ranking.probabilities
        # A linear estimate of 0/1 rewards: near [0, 1], not clipped (the service clips it).
        assert all(-0.2 < s < 1.2 for s in ranking.scores)
        assert np.argmax(ranking.scores) == np.argmax(ranking.probabilities)
    assert policy.rank(_customer(48), OFFERS).scores[LOYALTY] == pytest.approx(0.7, abs=0.15)


def test_one_candidate_has_no_reasons(events):
    policy = _learned("vw", events)
    assert isinstance(policy, Explainer)
    assert policy.explain(_customer(48), OFFERS[:1], 0) == ()


def test_rules_explain_their_choice_by_the_churn_score():
    rules = policies.get("rules")
    assert isinstance(rules, Explainer)
    high = _customer(10, churn=0.9)  # the high band prefers discounts and devices
    (reason,) = rules.explain(high, OFFERS, 0)
    assert (reason.feature, reason.source, reason.value) == ("churn_score", "churn_score", 0.9)
    assert reason.weight == pytest.approx(1.0 - 1.0 / 3.0)
    assert rules.explain(high, OFFERS, LOYALTY)[0].weight < 0


@pytest.mark.parametrize("name", ["random", "linucb", "lints"])
def test_policies_that_cannot_explain_say_why(name):
    policy = policies.get(name)
    assert not isinstance(policy, Explainer)
    assert len(unexplained_note(policy)) > 40


def test_relative_reasons_leave_out_what_every_candidate_shares():
    names = DecisionNames.of(_customer(12), OFFERS[:3])
    tenure, constant, offer = ("context", ("tenure_months",)), ("offer", ("offer",)), (
        "offer", ("discount_pct",))  # fmt: skip
    parts = [
        {tenure: 0.5, constant: 0.1, offer: 0.3},
        {tenure: 0.2, constant: 0.1},
        {tenure: -0.1, constant: 0.1},
    ]
    reasons = relative_reasons(names, parts, 0, top=10)
    assert [(r.feature, r.value) for r in reasons] == [("tenure_months", 12), ("discount_pct", 10)]
    assert [r.weight for r in reasons] == pytest.approx([0.5 - 0.05, 0.3])
