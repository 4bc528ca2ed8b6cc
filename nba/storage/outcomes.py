"""Outcomes: what came of each decision, at most one per decision."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nba.domain import Decision, Outcome
from nba.storage.decisions import to_decision
from nba.storage.tables import DecisionRow, OutcomeRow


def add_outcome(session: Session, outcome: Outcome) -> None:
    """Record the outcome of a decision.

    Raises sqlalchemy's IntegrityError if the decision already has an outcome (the first one
    stays) or is unknown. The insert runs in a savepoint, so the session stays usable after
    that error, e.g. to read the recorded outcome with `get_outcome`.
    """
    with session.begin_nested():
        session.add(
            OutcomeRow(
                decision_id=outcome.decision_id,
                accepted=outcome.accepted,
                value=outcome.value,
                ts=outcome.ts,
                source=outcome.source,
                reward=outcome.reward,
                occurred_at=outcome.occurred_at,
            )
        )


def get_outcome(session: Session, decision_id: str) -> Outcome | None:
    """The outcome of one decision, or None if none is recorded."""
    row = session.get(OutcomeRow, decision_id)
    return None if row is None else _to_outcome(row)


def outcomes_since(
    session: Session, after: datetime | None, limit: int | None = None
) -> list[tuple[Decision, Outcome]]:
    """Decisions with their outcomes recorded strictly after `after` (all if None), by outcome ts.

    Ties in ts are ordered by decision id; a watermark taken from the last row of a `limit`ed
    batch may skip rows sharing that last ts, so pass no limit when that matters.
    """
    query = select(DecisionRow, OutcomeRow).join(
        OutcomeRow, col(OutcomeRow.decision_id) == DecisionRow.id
    )
    if after is not None:
        query = query.where(OutcomeRow.ts > after)
    query = query.order_by(OutcomeRow.ts, OutcomeRow.decision_id).limit(limit)
    return [(to_decision(d), _to_outcome(o)) for d, o in session.exec(query)]


def count_outcomes(session: Session) -> int:
    """How many outcomes are recorded."""
    return int(session.exec(select(sa.func.count()).select_from(OutcomeRow)).one())


def _to_outcome(row: OutcomeRow) -> Outcome:
    return Outcome(
        decision_id=row.decision_id,
        accepted=row.accepted,
        value=row.value,
        ts=row.ts,
        source=row.source,
        reward=row.reward,
        occurred_at=row.occurred_at,
    )
