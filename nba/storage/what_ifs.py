"""What-if runs: created pending, then running, then done (with results) or failed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from nba.clock import utc_now
from nba.domain import WhatIfRun
from nba.errors import NotFound
from nba.storage.tables import WhatIfRow


def add_what_if(session: Session, run_id: str, spec: Mapping[str, object]) -> WhatIfRun:
    """Create a pending what-if run."""
    row = WhatIfRow(id=run_id, status="pending", spec=dict(spec), created_at=utc_now())
    session.add(row)
    session.flush()
    return _to_run(row)


def get_what_if(session: Session, run_id: str) -> WhatIfRun | None:
    """One what-if run, or None."""
    row = session.get(WhatIfRow, run_id)
    return None if row is None else _to_run(row)


def list_what_ifs(session: Session, limit: int = 100) -> list[WhatIfRun]:
    """The newest what-if runs first."""
    query = select(WhatIfRow).order_by(col(WhatIfRow.created_at).desc()).limit(limit)
    return [_to_run(row) for row in session.exec(query)]


def set_what_if_status(
    session: Session,
    run_id: str,
    status: str,
    *,
    results: Mapping[str, object] | None = None,
    error: str | None = None,
    finished_at: datetime | None = None,
) -> WhatIfRun:
    """Move a run to `running`, `done` (with results) or `failed` (with an error)."""
    row = session.get(WhatIfRow, run_id)
    if row is None:
        raise NotFound("what-if run", run_id)
    row.status = status
    if results is not None:
        row.results = dict(results)
    row.error = error
    row.finished_at = finished_at
    session.add(row)
    session.flush()
    return _to_run(row)


def _to_run(row: WhatIfRow) -> WhatIfRun:
    return WhatIfRun(
        id=row.id,
        status=row.status,
        spec=tuple(row.spec.items()),
        created_at=row.created_at,
        finished_at=row.finished_at,
        results=tuple(row.results.items()),
        error=row.error,
    )
