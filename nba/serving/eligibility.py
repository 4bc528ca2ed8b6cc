"""Which offers may be shown to one customer now: status, dates, churn range, segments,
conditions, the eligibility expression, caps.

Also why an offer is not (`ineligibility`, in words a user reads on the decision's page), and
which offers nba cannot use at all (`unusable_reason`): a decision leaves them out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from nba.domain import Condition, ContextValue, Offer
from nba.serving.expressions import Expressions, InvalidExpression
from policies.base import Candidate
from policies.encoding import action_features
from policies.errors import InvalidParameter

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")
MAX_WINDOW_DAYS = 3660
"""The longest contact-cap window: ten years (a window reaching past year 1 cannot be counted)."""


@dataclass(frozen=True, slots=True)
class Usage:
    """What caps are checked against: this customer's recent contacts and each offer's spend.

    `budgets` holds the refusals of the reservation ledger (`nba.serving.budgets`), by offer
    id; `accepts` and `money` are counted spend, checked against the offer's total budget.
    """

    contacts: Mapping[str, int] = field(default_factory=dict)
    accepts: Mapping[str, int] = field(default_factory=dict)
    money: Mapping[str, float] = field(default_factory=dict)
    budgets: Mapping[str, str] = field(default_factory=dict)


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
    return (
        ineligibility(
            offer, churn_score=churn_score, context=context, channel=channel, now=now, usage=usage
        )
        is None
    )


def ineligibility(
    offer: Offer,
    *,
    churn_score: float,
    context: Mapping[str, ContextValue],
    channel: str | None,
    now: datetime,
    usage: Usage | None = None,
    expressions: Expressions | None = None,
) -> str | None:
    """Why the offer may not be shown for this request at `now` (the first rule it fails,
    in words, led by the rule's name), or None when it may.

    `expressions` holds the compiled eligibility expressions (a new one compiles afresh).
    """
    if not offer.is_active:
        return f"status: {offer.status}"
    if offer.starts_at is not None and now < offer.starts_at:
        return f"dates: starts {_when(offer.starts_at)}"
    if offer.ends_at is not None and now >= offer.ends_at:
        return f"dates: ended {_when(offer.ends_at)}"
    rules = offer.eligibility
    if not rules.churn_min <= churn_score <= rules.churn_max:
        return (
            f"churn score: {churn_score:g} is outside the offer's range "
            f"[{rules.churn_min:g}, {rules.churn_max:g}]"
        )
    if rules.segments and context.get("segment") not in rules.segments:
        return _not_listed("segment", context.get("segment"), rules.segments)
    if rules.plans and context.get("plan") not in rules.plans:
        return _not_listed("plan", context.get("plan"), rules.plans)
    if rules.channels and channel not in rules.channels:
        return _not_listed("channel", channel, rules.channels)
    for condition in rules.conditions:
        if not condition_holds(condition, context):
            return _failed(condition, context)
    if rules.expression is not None:
        compiled = (expressions or Expressions()).get(rules.expression)
        why = compiled.verdict(churn_score=churn_score, channel=channel, context=context)
        if why is not None:
            return why
    return None if usage is None else _over_caps(offer, usage)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _not_listed(name: str, value: object, allowed: Sequence[str]) -> str:
    given = "none given" if value is None else repr(value)
    return f"{name}: {given} is not one of {', '.join(allowed)}"


_OPERATOR_WORDS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥",
                   "in": "in", "not_in": "not in"}  # fmt: skip


def _failed(condition: Condition, context: Mapping[str, ContextValue]) -> str:
    expected = condition.value
    shown = ", ".join(map(repr, expected)) if isinstance(expected, tuple) else repr(expected)
    actual = context.get(condition.field)
    has = "missing" if actual is None else f"it is {actual!r}"
    op = _OPERATOR_WORDS.get(condition.op, condition.op)
    return f"condition: {condition.field} {op} {shown} fails ({has})"


def unusable_reason(offer: Offer, expressions: Expressions | None = None) -> str | None:
    """Why no decision can use `offer` (the field and the problem), or None if it can.

    The offer writes of today refuse such values; this catches offers stored before, or
    written to the database by other means, so that one of them cannot fail every decision.
    """
    window = offer.caps.window_days
    if not 1 <= window <= MAX_WINDOW_DAYS:
        return f"caps.window_days: must be in [1, {MAX_WINDOW_DAYS}], got {window!r}"
    if offer.eligibility.expression is not None:
        try:
            (expressions or Expressions()).get(offer.eligibility.expression)
        except InvalidExpression as error:
            return f"eligibility.expression: {error}"
    try:
        action_features(Candidate(offer.id, offer.category, offer.features))
    except InvalidParameter as error:
        return str(error)
    return None


def screen_offers(
    offers: Sequence[Offer],
    *,
    churn_score: float,
    context: Mapping[str, ContextValue],
    channel: str | None,
    now: datetime,
    usage: Usage | None = None,
    expressions: Expressions | None = None,
) -> tuple[list[Offer], list[tuple[Offer, str]]]:
    """The eligible offers of `offers` in their order, and the others with why not."""
    eligible: list[Offer] = []
    refused: list[tuple[Offer, str]] = []
    compiled = expressions or Expressions()
    for offer in offers:
        reason = ineligibility(
            offer, churn_score=churn_score, context=context, channel=channel, now=now,
            usage=usage, expressions=compiled,
        )  # fmt: skip
        if reason is None:
            eligible.append(offer)
        else:
            refused.append((offer, reason))
    return eligible, refused


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


def _over_caps(offer: Offer, usage: Usage) -> str | None:
    caps = offer.caps
    contacts = usage.contacts.get(offer.id, 0)
    if caps.max_per_customer is not None and contacts >= caps.max_per_customer:
        return (
            f"contact cap: offered to this customer {contacts} times in the last "
            f"{caps.window_days} days (at most {caps.max_per_customer})"
        )
    if offer.id in usage.budgets:
        return usage.budgets[offer.id]
    accepts = usage.accepts.get(offer.id, 0)
    money = usage.money.get(offer.id, 0.0)
    if caps.budget_allows(accepts, money, offer.cost):
        return None
    if caps.budget_accepts is not None and accepts >= caps.budget_accepts:
        return f"budget: {accepts} of {caps.budget_accepts} accepts used"
    return (
        f"budget: {money:,.2f} of {caps.budget_money or 0:,.2f} spent; one more accept "
        f"({offer.cost:,.2f}) would pass it"
    )
