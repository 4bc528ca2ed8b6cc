"""Off-policy evaluation jobs: created pending, then running, then done or failed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from nba.clock import utc_now
from nba.domain import Evaluation
from nba.errors import NotFound
from nba.storage.tables import EvaluationRow


def add_evaluation(session: Session, evaluation_id: str, spec: Mapping[str, object]) -> Evaluation:
    """Create a pending evaluation job."""
    row = EvaluationRow(id=evaluation_id, status="pending", spec=dict(spec), created_at=utc_now())
    session.add(row)
    session.flush()
    return _to_evaluation(row)


def get_evaluation(session: Session, evaluation_id: str) -> Evaluation | None:
    """One evaluation job, or None."""
    row = session.get(EvaluationRow, evaluation_id)
    return None if row is None else _to_evaluation(row)


def list_evaluations(session: Session, limit: int = 100) -> list[Evaluation]:
    """The newest evaluation jobs first."""
    query = select(EvaluationRow).order_by(col(EvaluationRow.created_at).desc()).limit(limit)
    return [_to_evaluation(row) for row in session.exec(query)]


def set_evaluation_status(
    session: Session,
    evaluation_id: str,
    status: str,
    *,
    results: Mapping[str, object] | None = None,
    error: str | None = None,
    finished_at: datetime | None = None,
) -> Evaluation:
    """Move a job to `running`, `done` (with results) or `failed` (with an error)."""
    row = session.get(EvaluationRow, evaluation_id)
    if row is None:
        raise NotFound("evaluation", evaluation_id)
    row.status = status
    if results is not None:
        row.results = dict(results)
    row.error = error
    row.finished_at = finished_at
    session.add(row)
    session.flush()
    return _to_evaluation(row)


def _to_evaluation(row: EvaluationRow) -> Evaluation:
    return Evaluation(
        id=row.id,
        status=row.status,
        spec=tuple(row.spec.items()),
        created_at=row.created_at,
        finished_at=row.finished_at,
        results=tuple(row.results.items()),
        error=row.error,
    )
