"""The budget reservation ledger: budget rows by scope, and what each decision holds of them.

A reservation is one conditional UPDATE (`reserved + consumed + amount <= limit`), so two
transactions racing for the last unit cannot both win, on SQLite (one writer at a time) and on
PostgreSQL (the second UPDATE waits for the row lock, then re-checks the condition).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from nba.domain import BudgetState
from nba.storage.tables import BudgetReservationRow, BudgetRow

RESERVED, CONSUMED, RELEASED = "reserved", "consumed", "released"
MONEY_TOLERANCE = 1e-9
"""Money sums are floats: a reservation fits within this share of the limit (rounding only)."""


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
    offer had this budget) to those of `amounts`' budgets that have a row."""
    for scope, amount in sorted(amounts.items()):
        session.connection().execute(
            sa.update(BudgetRow)
            .where(col(BudgetRow.scope) == scope)
            .values(consumed=col(BudgetRow.consumed) + amount, updated_at=now)
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
