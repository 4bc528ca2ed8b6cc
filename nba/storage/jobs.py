"""Background jobs kept in the database (off-policy evaluations, what-if runs): created
pending, then running, then done (with results) or failed (with an error).

Each kind has its own table of the same columns (`EvaluationRow`, `WhatIfRow`); `JobKind`
names the table and how an unknown id is called in errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from nba.clock import utc_now
from nba.domain import Job
from nba.errors import NotFound
from nba.storage.tables import EvaluationRow, WhatIfRow

JobRow = EvaluationRow | WhatIfRow


@dataclass(frozen=True, slots=True)
class JobKind:
    """One kind of job: its table and its name in errors."""

    table: type[EvaluationRow] | type[WhatIfRow]
    name: str


EVALUATIONS = JobKind(EvaluationRow, "evaluation")
WHAT_IFS = JobKind(WhatIfRow, "what-if run")


def add_job(session: Session, kind: JobKind, job_id: str, spec: Mapping[str, object]) -> Job:
    """Create a pending job."""
    row: JobRow = kind.table(id=job_id, status="pending", spec=dict(spec), created_at=utc_now())
    session.add(row)
    session.flush()
    return _to_job(row)


def get_job(session: Session, kind: JobKind, job_id: str) -> Job | None:
    """One job, or None."""
    row = _row(session, kind, job_id)
    return None if row is None else _to_job(row)


def list_jobs(session: Session, kind: JobKind, limit: int = 100) -> list[Job]:
    """The newest jobs first."""
    query = select(kind.table).order_by(col(kind.table.created_at).desc()).limit(limit)
    return [_to_job(row) for row in session.exec(query) if isinstance(row, JobRow)]


def set_job_status(
    session: Session,
    kind: JobKind,
    job_id: str,
    status: str,
    *,
    results: Mapping[str, object] | None = None,
    error: str | None = None,
    finished_at: datetime | None = None,
) -> Job:
    """Move a job to `running`, `done` (with results) or `failed` (with an error)."""
    row = _row(session, kind, job_id)
    if row is None:
        raise NotFound(kind.name, job_id)
    row.status = status
    if results is not None:
        row.results = dict(results)
    row.error = error
    row.finished_at = finished_at
    session.add(row)
    session.flush()
    return _to_job(row)


def _row(session: Session, kind: JobKind, job_id: str) -> JobRow | None:
    row = session.get(kind.table, job_id)
    return row if isinstance(row, JobRow) else None


def _to_job(row: JobRow) -> Job:
    return Job(
        id=row.id,
        status=row.status,
        spec=tuple(row.spec.items()),
        created_at=row.created_at,
        finished_at=row.finished_at,
        results=tuple(row.results.items()),
        error=row.error,
    )
