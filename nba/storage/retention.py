"""Retention answers: whether a decision's customer stayed, at most one per decision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from nba.domain import Decision, Retention
from nba.storage.decisions import to_decision
from nba.storage.learned import Key, mark_learned, unlearned_page
from nba.storage.tables import DecisionRow, OutcomeRow, RetentionRow


def add_retention(session: Session, retention: Retention) -> None:
    """Record a retention answer; IntegrityError (in a savepoint) if one exists already."""
    with session.begin_nested():
        session.add(
            RetentionRow(
                decision_id=retention.decision_id,
                retained=retention.retained,
                value=retention.value,
                ts=retention.ts,
                source=retention.source,
                reward=retention.reward,
                occurred_at=retention.occurred_at,
            )
        )


def get_retention(session: Session, decision_id: str) -> Retention | None:
    """The retention answer of one decision, or None."""
    row = session.get(RetentionRow, decision_id)
    return None if row is None else _to_retention(row)


def decisions_without_retention(
    session: Session, before: datetime, limit: int = 1000
) -> list[Decision]:
    """The oldest decisions made before `before` with no retention answer yet."""
    query = (
        select(DecisionRow)
        .outerjoin(RetentionRow, col(RetentionRow.decision_id) == DecisionRow.id)
        .where(col(RetentionRow.decision_id).is_(None))
        .where(DecisionRow.ts < before)
        .order_by(col(DecisionRow.ts), col(DecisionRow.id))
        .limit(limit)
    )
    return [to_decision(row) for row in session.exec(query)]


def unlearned_retention(
    session: Session, after: Key | None, limit: int
) -> list[tuple[Decision, Retention, float | None]]:
    """Retention answers no model version has learned, after `after` in (ts, id) order, each
    with the reward of the decision's outcome (the interim signal), None if there is none."""
    query = (
        select(DecisionRow, RetentionRow, OutcomeRow.reward)
        .join(RetentionRow, col(RetentionRow.decision_id) == DecisionRow.id)
        .outerjoin(OutcomeRow, col(OutcomeRow.decision_id) == DecisionRow.id)
    )
    query = unlearned_page(session, query, RetentionRow, after, limit)
    return [(to_decision(d), _to_retention(r), i) for d, r, i in session.exec(query)]


def mark_retention_learned(session: Session, decision_ids: Sequence[str], version: int) -> int:
    """Mark retention answers as learned by `version` unless marked; returns how many changed."""
    return mark_learned(session, RetentionRow, decision_ids, version)


def _to_retention(row: RetentionRow) -> Retention:
    return Retention(
        decision_id=row.decision_id,
        retained=row.retained,
        value=row.value,
        ts=row.ts,
        source=row.source,
        reward=row.reward,
        occurred_at=row.occurred_at,
    )
