"""The default offer catalog of the simulator: eight retention offers with costs and features."""

from __future__ import annotations

from collections.abc import Sequence

from nba.domain import NO_ACTION_ID, Offer
from policies.base import Candidate, freeze_features


def _offer(
    offer_id: str, name: str, category: str, cost: float, value: float, **features: float | str
) -> Offer:
    return Offer(
        id=offer_id,
        name=name,
        category=category,
        cost=cost,
        value=value,
        features=freeze_features(features),
    )


DEFAULT_OFFERS: tuple[Offer, ...] = (
    _offer(NO_ACTION_ID, "No action", "none", 0.0, 0.0),
    _offer("discount_10", "10% bill discount", "discount", 12.0, 60.0, discount_pct=10.0),
    _offer("discount_25", "25% bill discount", "discount", 30.0, 90.0, discount_pct=25.0),
    _offer("device_upgrade", "Early device upgrade", "device", 80.0, 200.0),
    _offer("loyalty_programme", "Loyalty programme invitation", "loyalty", 8.0, 50.0),
    _offer("data_bonus", "10 GB data bonus", "data_bonus", 5.0, 40.0, data_gb=10.0),
    _offer("technician_visit", "Technician visit", "service", 40.0, 120.0),
    _offer("premium_upsell", "Premium plan upsell", "upsell", 5.0, 150.0),
)
"""The default arms; `value` is the business value of an accept, `cost` is paid per accept."""

NEW_OFFER: Offer = _offer(
    "streaming_bundle", "Streaming bundle, 3 months free", "loyalty", 15.0, 80.0, months_free=3.0
)
"""The arm the `new_offer` scenario adds part-way (a bundle for heavy, engaged data users)."""


def candidates(offers: Sequence[Offer]) -> tuple[Candidate, ...]:
    """The policy-facing view of offers: id, category and learner features."""
    return tuple(Candidate(o.id, o.category, o.features) for o in offers)
