"""Requests into the decision service, as validated values (`nba.schemas` validates bodies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nba.domain import ContextValue


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    """A CRM's question: the best offer for this customer now."""

    customer_id: str
    churn_score: float
    context: tuple[tuple[str, ContextValue], ...] = ()
    channel: str | None = None
    offer_ids: tuple[str, ...] | None = None
    explain: bool = False


@dataclass(frozen=True, slots=True)
class OutcomeReport:
    """A CRM's answer: did the customer accept the offer of decision `decision_id`."""

    decision_id: str
    accepted: bool
    value: float | None = None
    ts: datetime | None = None
