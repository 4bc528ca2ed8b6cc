"""Requests into the decision service, as validated values (`nba.schemas` validates bodies)."""

from __future__ import annotations

from dataclasses import dataclass

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
