"""Domain values with every field set, for round trips."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from nba.domain import (
    Caps,
    Condition,
    Decision,
    Eligibility,
    EligibleOffer,
    Feedback,
    FeedbackKind,
    Offer,
)

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def offer(offer_id: str = "discount_10", **changes: object) -> Offer:
    """An offer using every field."""
    fields: dict[str, object] = {
        "id": offer_id,
        "name": "10% off for 6 months",
        "category": "discount",
        "description": "A loyalty discount",
        "cost": 12.5,
        "value": 80.0,
        "features": (("channel", "sms"), ("discount_pct", 10), ("premium", False)),
        "eligibility": Eligibility(
            churn_min=0.2,
            churn_max=0.9,
            segments=("consumer",),
            plans=("gold", "silver"),
            channels=("sms", "call"),
            conditions=(
                Condition("tenure_months", "ge", 24.0),
                Condition("region", "in", ("north", "east")),
                Condition("vip", "eq", True),
            ),
        ),
        "caps": Caps(max_per_customer=2, window_days=14, budget_accepts=100, budget_money=999.5),
        "starts_at": T0,
        "ends_at": T0 + timedelta(days=30),
        "status": "active",
    }
    fields.update(changes)
    return Offer(**fields)  # type: ignore[arg-type]


def decision(
    customer_id: str = "c1",
    chosen: str = "discount_10",
    ts: datetime = T0,
    channel: str | None = "sms",
    chosen_version: int = 1,
) -> Decision:
    """A decision between `chosen` and no_action, choosing `chosen`."""
    return Decision(
        id=str(uuid.uuid4()),
        ts=ts,
        customer_id=customer_id,
        churn_score=0.73,
        context=(("tenure_months", 30), ("plan", "gold"), ("spend", 41.5), ("vip", True)),
        channel=channel,
        eligible=(
            EligibleOffer(chosen, chosen_version, "discount", (("discount_pct", 10),)),
            EligibleOffer("no_action", 1, "none"),
        ),
        probabilities=(0.8, 0.2),
        scores=(0.31, 0.05),
        chosen=chosen,
        propensity=0.8,
        policy="vw",
        model_version=3,
    )


def outcome(decision_id: str, accepted: bool = True, ts: datetime = T0) -> Feedback:
    """A reported outcome (acceptance answer) of `decision_id`."""
    return Feedback(
        kind=FeedbackKind.ACCEPTANCE,
        decision_id=decision_id,
        answer=accepted,
        value=25.0 if accepted else None,
        ts=ts + timedelta(hours=1),
        source="reported",
        reward=1.0 if accepted else 0.0,
    )


def retention(decision_id: str, retained: bool = True, ts: datetime = T0) -> Feedback:
    """A reported retention answer of `decision_id`, weeks after its decision."""
    return Feedback(
        kind=FeedbackKind.RETENTION,
        decision_id=decision_id,
        answer=retained,
        value=480.0 if retained else None,
        ts=ts + timedelta(days=40),
        source="reported",
        reward=0.4 if retained else -0.1,
        occurred_at=ts + timedelta(days=39),
    )
