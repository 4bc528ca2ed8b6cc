"""Feedback: each decision's answer of each kind (outcome, retention), at most one, kept once.

The kinds live in two tables of one shape (`outcomes`, `retention`), whose answer columns are
named by `FeedbackKind.answer_field`; this module and `learned.py` pick the table of a kind
through `feedback_table`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from nba.domain import Decision, Feedback, FeedbackKind
from nba.errors import Conflict
from nba.storage.decisions import to_decision
from nba.storage.tables import DecisionRow, FeedbackColumns, OutcomeRow, RetentionRow

FeedbackTable = type[OutcomeRow] | type[RetentionRow]

_TABLES: dict[FeedbackKind, FeedbackTable] = {
    FeedbackKind.ACCEPTANCE: OutcomeRow,
    FeedbackKind.RETENTION: RetentionRow,
}


def feedback_table(kind: FeedbackKind) -> FeedbackTable:
    """The table that holds the answers of `kind`."""
    return _TABLES[kind]


def record_once(session: Session, feedback: Feedback) -> tuple[Feedback, bool]:
    """Record `feedback` unless its decision has an answer of that kind already.

    Returns the answer on record and whether it is `feedback` (True) or an identical earlier
    one (False: same answer and value; a repeat changes nothing). Conflict if the earlier one
    differs. The insert runs in a savepoint, so a concurrent insert of the same answer (by
    another process, after the first read) ends as a repeat too, and the session stays usable.
    Raises sqlalchemy's IntegrityError if the decision is unknown.
    """
    existing = get_feedback(session, feedback.kind, feedback.decision_id)
    if existing is None:
        try:
            with session.begin_nested():
                session.add(_to_row(feedback))
            return feedback, True
        except IntegrityError:
            existing = get_feedback(session, feedback.kind, feedback.decision_id)
            if existing is None:
                raise
    if existing.answer == feedback.answer and existing.value == feedback.value:
        return existing, False
    answer = feedback.kind.answer_field
    raise Conflict(
        f"decision {feedback.decision_id!r} already has a different {feedback.kind.noun}",
        field=answer,
        recorded={answer: existing.answer, "value": existing.value},
    )


def add_answers(session: Session, answers: Sequence[Feedback]) -> None:
    """Insert answers of decisions that have none of their kind yet, one statement per kind
    (a log loaded at once; reports go through `record_once`). IntegrityError on a repeat."""
    for kind, table in _TABLES.items():
        rows = [_to_row(f).model_dump() for f in answers if f.kind is kind]
        if rows:
            session.connection().execute(sa.insert(table), rows)


def get_feedback(session: Session, kind: FeedbackKind, decision_id: str) -> Feedback | None:
    """The answer of `kind` on record for one decision, or None."""
    row = session.get(_TABLES[kind], decision_id)
    return None if row is None else _to_feedback(kind, row)


def feedback_for(
    session: Session, kind: FeedbackKind, decision_ids: Sequence[str]
) -> dict[str, Feedback]:
    """The answers of `kind` on record for these decisions, by decision id (one query)."""
    if not decision_ids:
        return {}
    table = _TABLES[kind]
    rows = session.exec(select(table).where(col(table.decision_id).in_(list(decision_ids))))
    return {row.decision_id: _to_feedback(kind, row) for row in rows}


def decisions_without_feedback(
    session: Session, kind: FeedbackKind, before: datetime, limit: int = 1000
) -> list[Decision]:
    """The oldest decisions made before `before` that have no answer of `kind` yet."""
    table = _TABLES[kind]
    query = (
        select(DecisionRow)
        .outerjoin(table, col(table.decision_id) == DecisionRow.id)
        .where(col(table.decision_id).is_(None))
        .where(DecisionRow.ts < before)
        .order_by(col(DecisionRow.ts), col(DecisionRow.id))
        .limit(limit)
    )
    return [to_decision(row) for row in session.exec(query)]


def count_feedback(session: Session, kind: FeedbackKind) -> int:
    """How many answers of `kind` are recorded."""
    return int(session.exec(select(sa.func.count()).select_from(_TABLES[kind])).one())


def _to_row(feedback: Feedback) -> FeedbackColumns:
    return _TABLES[feedback.kind](
        decision_id=feedback.decision_id,
        value=feedback.value,
        ts=feedback.ts,
        source=feedback.source,
        reward=feedback.reward,
        occurred_at=feedback.occurred_at,
        **{feedback.kind.answer_field: feedback.answer},
    )


def _to_feedback(kind: FeedbackKind, row: FeedbackColumns) -> Feedback:
    return Feedback(
        kind=kind,
        decision_id=row.decision_id,
        answer=bool(getattr(row, kind.answer_field)),
        value=row.value,
        ts=row.ts,
        source=row.source,
        reward=row.reward,
        occurred_at=row.occurred_at,
    )
