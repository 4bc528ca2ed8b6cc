"""Budgets that concurrent decisions never overspend: reserved when an offer is chosen,
consumed by an accept, released by a decline or the default outcome.

Each budget is a row of the ledger named by its scope (`nba.storage.budgets`):
`offer:ID:accepts` and `offer:ID:money` (an offer's totals), the same with `:YYYY-MM-DD` (its
UTC day: a new day starts a new row, so per-day budgets reset at midnight UTC by the clock
the decision read), and `campaign:ID:UNIT[:OFFER]` (`campaign_scope`, for campaigns). An
accept budget reserves 1, a money budget the offer's cost. The reservation is made in the
decision's transaction by one conditional UPDATE, so any number of workers and hosts on one
database hand out at most the limit. An offer's totals start from the accepts already in the
log when their row is first made; per-day rows start at 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from sqlmodel import Session

from nba.domain import BudgetState, Offer
from nba.storage import budgets as ledger
from nba.storage.budgets import (
    ACCEPTS,
    MONEY,
    UNITS,
    Claim,
    campaign_scope,
    claim_fits,
    claimed_states,
    is_total_scope,
    offer_budgets,
    offer_claims,
    offer_scope,
    spent_by_scope,
)

__all__ = [
    "ACCEPTS",
    "MONEY",
    "Claim",
    "budget_refusals",
    "campaign_scope",
    "offer_budgets",
    "offer_claims",
    "offer_scope",
    "open_budgets",
    "reserve",
    "reserve_offer",
    "set_budget",
    "settle",
]


Seeds = Callable[[str], float]
"""What a budget without a row had spent already, by its scope (an offer's totals: its accepts
in the log)."""


def budget_refusals(session: Session, offers: Iterable[Offer], now: datetime) -> dict[str, str]:
    """Why each offer whose budget cannot take one more decision now is left out, by offer id
    (a reason led by `budget:`); offers with room are not listed."""
    claims = {o.id: offer_claims(o, now.date()) for o in offers}
    states = claimed_states(session, claims)
    refusals: dict[str, str] = {}
    for offer_id, wanted in claims.items():
        for claim in wanted:
            if not claim_fits(states[claim.scope], claim):
                refusals[offer_id] = _refusal(states[claim.scope], claim)
                break
    return refusals


def reserve(
    session: Session,
    decision_id: str,
    claims: Sequence[Claim],
    now: datetime,
    seeds: Seeds | None = None,
) -> Claim | None:
    """Reserve every claim for `decision_id`, or none: the claim that did not fit (None when
    all were reserved). A budget with no row yet gets one, starting from `seeds` (else 0).
    Runs in a savepoint of the caller's transaction; rows are locked in the order of their
    scopes, as `settle` does, so that two transactions never wait for each other in a cycle."""
    with session.begin_nested() as savepoint:
        for claim in sorted(claims, key=lambda c: c.scope):
            if not ledger.try_reserve(session, claim.scope, claim.limit, claim.amount, now):
                if claim.scope in ledger.budget_states(session, [claim.scope]):
                    savepoint.rollback()
                    return claim
                seed = seeds(claim.scope) if seeds else 0.0
                ledger.ensure_budget(session, claim.scope, claim.unit, claim.limit, seed, now)
                if not ledger.try_reserve(session, claim.scope, claim.limit, claim.amount, now):
                    savepoint.rollback()
                    return claim
            ledger.add_reservation(session, decision_id, claim.scope, claim.amount, now)
    return None


def reserve_offer(session: Session, decision_id: str, offer: Offer, now: datetime) -> str | None:
    """Reserve the budgets of `offer` for a decision that chose it now; None when reserved
    (or the offer has no budget), else why the offer must be left out (`budget: ...`)."""
    claims = offer_claims(offer, now.date())
    if not claims:
        return None

    def seed(scope: str) -> float:
        return spent_by_scope(session, [offer.id]).get(scope, 0.0) if is_total_scope(scope) else 0.0

    failed = reserve(session, decision_id, claims, now, seed)
    if failed is None:
        return None
    return _refusal(ledger.budget_states(session, [failed.scope])[failed.scope], failed)


def settle(
    session: Session,
    decision_id: str,
    *,
    accepted: bool,
    offer_id: str,
    decided_on: date,
    cost: float,
    now: datetime,
) -> None:
    """Consume (an accept) or release (a decline) what the decision holds, once. An accept
    also counts against those of the offer's budgets that have a row but that the decision
    held nothing of (set after it was made); call it once per outcome recorded."""
    held = ledger.reservations(session, decision_id)
    settled = [
        ledger.settle_reservation(session, decision_id, scope, amount, accepted, now)
        for scope, (amount, state) in sorted(held.items())
        if state == ledger.RESERVED
    ]
    if not accepted or (held and not any(settled)):  # a decline, or settled before
        return
    unheld = {
        offer_scope(offer_id, unit, day): 1.0 if unit == ACCEPTS else cost
        for unit in UNITS
        for day in (None, decided_on)
    }
    ledger.add_consumed(session, {s: a for s, a in unheld.items() if s not in held}, now)


def open_budgets(session: Session, offer: Offer, now: datetime) -> None:
    """Give the offer's total budgets their ledger rows, starting from the accepts already in
    the log: called when an offer is written, so that decisions never count the log."""
    totals = [c for c in offer_claims(offer, now.date()) if is_total_scope(c.scope)]
    missing = [c for c in totals if c.scope not in ledger.budget_states(session, [c.scope])]
    if not missing:
        return
    seeds = spent_by_scope(session, [offer.id])
    for c in missing:
        ledger.ensure_budget(session, c.scope, c.unit, c.limit, seeds.get(c.scope, 0.0), now)


def set_budget(session: Session, scope: str, unit: str, limit: float, now: datetime) -> None:
    """Create the budget of `scope` or change its limit: for campaigns, whose budgets are set
    when they start; what is reserved and consumed stays."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    ledger.set_budget_limit(session, scope, unit, limit, now)


def _refusal(state: BudgetState, claim: Claim) -> str:
    period = (
        " today" if claim.scope.startswith("offer:") and not is_total_scope(claim.scope) else ""
    )
    if claim.unit == ACCEPTS:
        return (
            f"budget: {state.reserved + state.consumed:g} of {claim.limit:g} accepts{period} "
            f"taken ({state.consumed:g} accepted, {state.reserved:g} reserved)"
        )
    return (
        f"budget: {state.reserved + state.consumed:,.2f} of {claim.limit:,.2f}{period} spent "
        f"or reserved; one more accept ({claim.amount:,.2f}) would pass it"
    )
