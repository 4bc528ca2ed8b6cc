"""Why an offer was not eligible, in words: the first rule it fails, led by the rule's name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nba.domain import Caps, Condition, Eligibility, Offer
from nba.serving.eligibility import Usage, ineligibility, is_eligible, screen_offers

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _why(offer: Offer, usage: Usage | None = None) -> str | None:
    context = {"plan": "gold", "tenure_months": 6}
    return ineligibility(
        offer, churn_score=0.5, context=context, channel="sms", now=NOW, usage=usage
    )


@pytest.mark.parametrize(
    "offer, expected",
    [
        (Offer("a", "A", "discount", starts_at=NOW + timedelta(days=1)),
         "dates: starts 2026-03-02 12:00 UTC"),
        (Offer("a", "A", "discount", ends_at=NOW), "dates: ended 2026-03-01 12:00 UTC"),
        (Offer("a", "A", "discount", eligibility=Eligibility(churn_min=0.6)),
         "churn score: 0.5 is outside the offer's range [0.6, 1]"),
        (Offer("a", "A", "discount", eligibility=Eligibility(plans=("basic", "silver"))),
         "plan: 'gold' is not one of basic, silver"),
        (Offer("a", "A", "discount", eligibility=Eligibility(segments=("vip",))),
         "segment: none given is not one of vip"),
        (Offer("a", "A", "discount", eligibility=Eligibility(channels=("call",))),
         "channel: 'sms' is not one of call"),
        (Offer("a", "A", "loyalty", eligibility=Eligibility(
            conditions=(Condition("tenure_months", "ge", 12),))),
         "condition: tenure_months ≥ 12 fails (it is 6)"),
        (Offer("a", "A", "loyalty", eligibility=Eligibility(
            conditions=(Condition("age", "lt", 30),))),
         "condition: age < 30 fails (missing)"),
        (Offer("a", "A", "loyalty", status="paused"), "status: paused"),
    ],
)  # fmt: skip
def test_each_rule_says_why_in_words(offer, expected):
    assert _why(offer) == expected


def test_caps_and_budgets_say_how_much_was_used():
    capped = Offer("a", "A", "discount", cost=5.0, caps=Caps(max_per_customer=2, window_days=30))
    assert _why(capped, Usage(contacts={"a": 2})) == (
        "contact cap: offered to this customer 2 times in the last 30 days (at most 2)"
    )
    assert _why(capped, Usage(contacts={"a": 1})) is None
    accepts = Offer("a", "A", "discount", caps=Caps(budget_accepts=100))
    assert _why(accepts, Usage(accepts={"a": 100})) == "budget: 100 of 100 accepts used"
    money = Offer("a", "A", "discount", cost=60.0, caps=Caps(budget_money=1000.0))
    assert _why(money, Usage(money={"a": 950.0})) == (
        "budget: 950.00 of 1,000.00 spent; one more accept (60.00) would pass it"
    )


def test_screening_keeps_the_order_and_agrees_with_is_eligible():
    offers = [
        Offer("a", "A", "discount"),
        Offer("b", "B", "discount", eligibility=Eligibility(churn_max=0.2)),
        Offer("c", "C", "loyalty"),
    ]
    eligible, refused = screen_offers(offers, churn_score=0.5, context={}, channel=None, now=NOW)
    assert [o.id for o in eligible] == ["a", "c"]
    assert [(o.id, why.split(":")[0]) for o, why in refused] == [("b", "churn score")]
    flags = [is_eligible(o, churn_score=0.5, context={}, channel=None, now=NOW) for o in offers]
    assert flags == [True, False, True]
