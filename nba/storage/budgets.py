"""The budget reservation ledger: budget rows by scope, and what each decision holds of them.

A reservation is one conditional UPDATE (`reserved + consumed + amount <= limit`), so two
transactions racing for the last unit cannot both win, on SQLite (one writer at a time) and on
PostgreSQL (the second UPDATE waits for the row lock, then re-checks the condition). Scopes
name the rows: `offer:ID:UNIT` (an offer's total), `offer:ID:UNIT:YYYY-MM-DD` (its UTC day),
`campaign:ID:UNIT[:OFFER]`; an offer's totals without a row yet start from its accepts in the
log (`claimed_states`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from nba.domain import BudgetState, Offer
from nba.storage.offers import offer_budget_used
from nba.storage.tables import BudgetReservationRow, BudgetRow

ACCEPTS, MONEY = "accepts", "money"
UNITS = (ACCEPTS, MONEY)
RESERVED, CONSUMED, RELEASED = "reserved", "consumed", "released"
MONEY_TOLERANCE = 1e-9
"""Money sums are floats: a reservation fits within this share of the limit (rounding only)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """What one decision asks of one budget: `amount` of `unit`, under `limit`."""

    scope: str
    unit: str
    limit: float
    amount: float


def offer_scope(offer_id: str, unit: str, day: date | None = None) -> str:
    """The scope of an offer's total budget of `unit`, or of its budget for one UTC `day`."""
    total = f"offer:{offer_id}:{unit}"
    return total if day is None else f"{total}:{day.isoformat()}"


def campaign_scope(campaign_id: str, unit: str, offer_id: str | None = None) -> str:
    """The scope of a campaign's budget of `unit`, over all its offers or for one offer."""
    scope = f"campaign:{campaign_id}:{unit}"
    return scope if offer_id is None else f"{scope}:{offer_id}"


def offer_claims(offer: Offer, day: date) -> tuple[Claim, ...]:
    """The budgets a decision choosing `offer` on `day` must reserve, with their amounts."""
    caps = offer.caps
    limits = (
        (ACCEPTS, None, caps.budget_accepts),
        (MONEY, None, caps.budget_money),
        (ACCEPTS, day, caps.budget_accepts_per_day),
        (MONEY, day, caps.budget_money_per_day),
    )
    return tuple(
        Claim(offer_scope(offer.id, unit, on), unit, float(limit), _amount(offer, unit))
        for unit, on, limit in limits
        if limit is not None
    )


def budget_states(session: Session, scopes: Sequence[str]) -> dict[str, BudgetState]:
    """The budgets of `scopes` that have a row, by scope."""
    if not scopes:
        return {}
    rows = session.exec(select(BudgetRow).where(col(BudgetRow.scope).in_(list(scopes))))
    return {
        r.scope: BudgetState(r.scope, r.unit, r.limit_amount, r.reserved, r.consumed) for r in rows
    }


def ensure_budget(
    session: Session, scope: str, unit: str, limit: float, consumed: float, now: datetime
) -> None:
    """Create the budget's row (with `consumed` already spent) unless it exists."""
    _upsert(session, scope, unit, limit, consumed, now, update_limit=False)


def set_budget_limit(session: Session, scope: str, unit: str, limit: float, now: datetime) -> None:
    """Create the budget's row, or change its limit (what is reserved and consumed stays)."""
    _upsert(session, scope, unit, limit, 0.0, now, update_limit=True)


def try_reserve(session: Session, scope: str, limit: float, amount: float, now: datetime) -> bool:
    """Add `amount` to the budget's reserved sum if it fits under `limit` (stored as the
    budget's limit); False if it does not, or if the budget has no row."""
    reserved, consumed = col(BudgetRow.reserved), col(BudgetRow.consumed)
    slack = MONEY_TOLERANCE * max(1.0, abs(limit))
    statement = (
        sa.update(BudgetRow)
        .where(col(BudgetRow.scope) == scope)
        .where(reserved + consumed + amount <= limit + slack)
        .values(reserved=reserved + amount, limit_amount=limit, updated_at=now)
    )
    return session.connection().execute(statement).rowcount == 1


def add_reservation(
    session: Session, decision_id: str, scope: str, amount: float, now: datetime
) -> None:
    """Record that `decision_id` holds `amount` of the budget `scope`."""
    session.add(BudgetReservationRow(decision_id=decision_id, scope=scope, amount=amount, ts=now))
    session.flush()


def reservations(session: Session, decision_id: str) -> dict[str, tuple[float, str]]:
    """The decision's reservations by scope: amount and state (reserved, consumed, released)."""
    query = select(
        BudgetReservationRow.scope, BudgetReservationRow.amount, BudgetReservationRow.state
    ).where(BudgetReservationRow.decision_id == decision_id)
    return {scope: (float(amount), state) for scope, amount, state in session.exec(query)}


def settle_reservation(
    session: Session, decision_id: str, scope: str, amount: float, consumed: bool, now: datetime
) -> bool:
    """Turn the decision's reservation of `scope` into consumed spend or release it; False
    (and nothing changed) if it was settled already."""
    marked = session.connection().execute(
        sa.update(BudgetReservationRow)
        .where(col(BudgetReservationRow.decision_id) == decision_id)
        .where(col(BudgetReservationRow.scope) == scope)
        .where(col(BudgetReservationRow.state) == RESERVED)
        .values(state=CONSUMED if consumed else RELEASED, settled_at=now)
    )
    if marked.rowcount != 1:
        return False
    spent = col(BudgetRow.consumed) + (amount if consumed else 0.0)
    session.connection().execute(
        sa.update(BudgetRow)
        .where(col(BudgetRow.scope) == scope)
        .values(reserved=col(BudgetRow.reserved) - amount, consumed=spent, updated_at=now)
    )
    return True


def add_consumed(session: Session, amounts: Mapping[str, float], now: datetime) -> None:
    """Add spend with no reservation behind it (an accept of a decision made before its
    offer had this budget) to those of `amounts`' budgets that have a row: one UPDATE."""
    if not amounts:
        return
    scope = col(BudgetRow.scope)
    session.connection().execute(
        sa.update(BudgetRow)
        .where(scope.in_(sorted(amounts)))
        .values(
            consumed=col(BudgetRow.consumed) + sa.case(dict(amounts), value=scope, else_=0.0),
            updated_at=now,
        )
    )


def _upsert(
    session: Session,
    scope: str,
    unit: str,
    limit: float,
    consumed: float,
    now: datetime,
    *,
    update_limit: bool,
) -> None:
    if session.get_bind().dialect.name == "postgresql":
        statement: sqlite.Insert | postgresql.Insert = postgresql.insert(BudgetRow)
    else:
        statement = sqlite.insert(BudgetRow)
    statement = statement.values(
        scope=scope, unit=unit, limit_amount=limit, reserved=0.0, consumed=consumed, updated_at=now
    )
    if update_limit:
        excluded = statement.excluded
        done = statement.on_conflict_do_update(
            index_elements=["scope"],
            set_={"limit_amount": excluded.limit_amount, "updated_at": excluded.updated_at},
        )
    else:
        done = statement.on_conflict_do_nothing(index_elements=["scope"])
    session.connection().execute(done)


def offer_budgets(session: Session, offer: Offer, now: datetime) -> tuple[BudgetState, ...]:
    """The offer's budgets now (its totals, and today's for per-day budgets), in the order
    accepts, money, accepts today, money today, with the offer's limits of now."""
    claims = offer_claims(offer, now.date())
    states = claimed_states(session, {offer.id: claims})
    return tuple(replace(states[c.scope], limit=c.limit) for c in claims)


def claimed_states(
    session: Session, claims: Mapping[str, Sequence[Claim]]
) -> dict[str, BudgetState]:
    """The state of every claimed budget by scope; one with no row yet as it would start."""
    wanted = [c for cs in claims.values() for c in cs]
    states = budget_states(session, [c.scope for c in wanted])
    missing = [c for c in wanted if c.scope not in states]
    unseeded = [
        o for o, cs in claims.items() if any(is_total_scope(c.scope) for c in cs if c in missing)
    ]
    seeds = spent_by_scope(session, unseeded)
    for c in missing:
        states[c.scope] = BudgetState(c.scope, c.unit, c.limit, 0.0, seeds.get(c.scope, 0.0))
    return states


def spent_by_scope(session: Session, offer_ids: Sequence[str]) -> dict[str, float]:
    """The offers' accepts and spend in the log, by the scope of their total budgets."""
    seeds: dict[str, float] = {}
    for offer_id, (accepts, money) in offer_budget_used(session, offer_ids).items():
        seeds[offer_scope(offer_id, ACCEPTS)] = float(accepts)
        seeds[offer_scope(offer_id, MONEY)] = money
    return seeds


def is_total_scope(scope: str) -> bool:
    """Whether `scope` is an offer's total budget (`offer:ID:UNIT`), not one day's."""
    return scope.startswith("offer:") and scope.count(":") == 2


def offer_has_room(offer: Offer, states: Sequence[BudgetState]) -> bool:
    """Whether one more decision could reserve every budget of `offer` (`states` in the
    order of `offer_claims`, as `offer_budgets` gives them)."""
    return all(claim_fits(s, c) for s, c in zip(states, offer_claims(offer, date.min), strict=True))


def _amount(offer: Offer, unit: str) -> float:
    return 1.0 if unit == ACCEPTS else float(offer.cost)


def claim_fits(state: BudgetState, claim: Claim) -> bool:
    """Whether `claim` fits in what the budget has left (money within its tolerance)."""
    slack = MONEY_TOLERANCE * max(1.0, abs(claim.limit))
    return state.reserved + state.consumed + claim.amount <= claim.limit + slack
