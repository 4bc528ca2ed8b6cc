"""Which offers may be shown to one customer now: status, dates, churn range, segments, caps.

Also which offers nba cannot use at all (`unusable_reason`): a decision leaves them out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from nba.domain import Condition, ContextValue, Offer
from policies.base import Candidate
from policies.encoding import action_features
from policies.errors import InvalidParameter

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")
MAX_WINDOW_DAYS = 3660
"""The longest contact-cap window: ten years (a window reaching past year 1 cannot be counted)."""


@dataclass(frozen=True, slots=True)
class Usage:
    """What caps are checked against: this customer's recent contacts and each offer's spend."""

    contacts: Mapping[str, int] = field(default_factory=dict)
    accepts: Mapping[str, int] = field(default_factory=dict)
    money: Mapping[str, float] = field(default_factory=dict)


def is_eligible(
    offer: Offer,
    *,
    churn_score: float,
    context: Mapping[str, ContextValue],
    channel: str | None,
    now: datetime,
    usage: Usage | None = None,
) -> bool:
    """True when the offer may be shown for this request at `now`."""
    if not offer.is_active:
        return False
    if offer.starts_at is not None and now < offer.starts_at:
        return False
    if offer.ends_at is not None and now >= offer.ends_at:
        return False
    rules = offer.eligibility
    if not rules.churn_min <= churn_score <= rules.churn_max:
        return False
    if rules.segments and context.get("segment") not in rules.segments:
        return False
    if rules.plans and context.get("plan") not in rules.plans:
        return False
    if rules.channels and channel not in rules.channels:
        return False
    if not all(condition_holds(c, context) for c in rules.conditions):
        return False
    return usage is None or _within_caps(offer, usage)


def unusable_reason(offer: Offer) -> str | None:
    """Why no decision can use `offer` (the field and the problem), or None if it can.

    The offer writes of today refuse such values; this catches offers stored before, or
    written to the database by other means, so that one of them cannot fail every decision.
    """
    window = offer.caps.window_days
    if not 1 <= window <= MAX_WINDOW_DAYS:
        return f"caps.window_days: must be in [1, {MAX_WINDOW_DAYS}], got {window!r}"
    try:
        action_features(Candidate(offer.id, offer.category, offer.features))
    except InvalidParameter as error:
        return str(error)
    return None


def eligible_offers(
    offers: Sequence[Offer],
    *,
    churn_score: float,
    context: Mapping[str, ContextValue],
    channel: str | None,
    now: datetime,
    usage: Usage | None = None,
) -> list[Offer]:
    """The offers of `offers` that are eligible, in their given order."""
    return [
        o
        for o in offers
        if is_eligible(
            o, churn_score=churn_score, context=context, channel=channel, now=now, usage=usage
        )
    ]


def condition_holds(condition: Condition, context: Mapping[str, ContextValue]) -> bool:
    """Evaluate one field condition; a missing or incomparable field fails it."""
    if condition.field not in context or context[condition.field] is None:
        return condition.op == "not_in"
    actual = context[condition.field]
    expected = condition.value
    op = condition.op
    if op in ("in", "not_in"):
        members = expected if isinstance(expected, tuple) else (expected,)
        return (actual in members) == (op == "in")
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return False
    if isinstance(expected, bool) or not isinstance(expected, int | float):
        return False
    if math.isnan(actual):
        return False
    return {
        "lt": actual < expected,
        "le": actual <= expected,
        "gt": actual > expected,
        "ge": actual >= expected,
    }[op]


def _within_caps(offer: Offer, usage: Usage) -> bool:
    caps = offer.caps
    if (
        caps.max_per_customer is not None
        and usage.contacts.get(offer.id, 0) >= caps.max_per_customer
    ):
        return False
    return caps.budget_allows(
        usage.accepts.get(offer.id, 0), usage.money.get(offer.id, 0.0), offer.cost
    )
