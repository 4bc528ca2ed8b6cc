"""The audit log: one row per change, added in the change's own transaction, never edited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from nba.clock import utc_now
from nba.domain import Actor, AuditEntry
from nba.storage.tables import AuditRow


def record_change(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: str,
    action: str,
    *,
    before: Mapping[str, object] | None = None,
    after: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Add the audit row of a change; the caller's commit writes it with the change itself.

    `before` and `after` are JSON objects (the entity's reply form); None when there is none.
    """
    row = AuditRow(
        ts=utc_now(),
        actor_id=actor.id,
        actor_role=actor.role,
        entity=entity,
        entity_id=entity_id,
        action=action,
        before=None if before is None else dict(before),
        after=None if after is None else dict(after),
    )
    session.add(row)
    session.flush()
    return _to_entry(row)


def list_changes(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Audit entries, newest first, at most `limit`; `start` inclusive, `end` exclusive."""
    query = select(AuditRow)
    if entity is not None:
        query = query.where(AuditRow.entity == entity)
    if entity_id is not None:
        query = query.where(AuditRow.entity_id == entity_id)
    if actor_id is not None:
        query = query.where(AuditRow.actor_id == actor_id)
    if start is not None:
        query = query.where(col(AuditRow.ts) >= start)
    if end is not None:
        query = query.where(col(AuditRow.ts) < end)
    query = query.order_by(col(AuditRow.ts).desc(), col(AuditRow.id).desc()).limit(limit)
    return [_to_entry(row) for row in session.exec(query)]


def _to_entry(row: AuditRow) -> AuditEntry:
    assert row.id is not None  # flushed rows have their id
    return AuditEntry(
        id=row.id,
        ts=row.ts,
        actor=Actor(id=row.actor_id, role=row.actor_role),
        entity=row.entity,
        entity_id=row.entity_id,
        action=row.action,
        before=row.before,
        after=row.after,
    )
