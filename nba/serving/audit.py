"""Reading the audit log (admins): changes newest first, filtered, a page at a time.

Entries are written by the services that make the changes, in the change's transaction
(`nba.storage.audit.record_change`); nothing here or anywhere else edits or deletes one.
"""

from __future__ import annotations

from datetime import datetime

from nba.domain import AUDIT_ENTITIES, AuditEntry
from nba.errors import InvalidInput
from nba.storage import Database, audit

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class AuditLog:
    """The admins' read-only view of every change."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def list(
        self,
        *,
        entity: str | None = None,
        actor: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[AuditEntry]:
        """Entries newest first: of one entity type, by one actor id (a key id, `cli`,
        `system`), at or after `start` and before `end`; at most `limit` (1 to MAX_LIMIT)."""
        if entity is not None and entity not in AUDIT_ENTITIES:
            choices = ", ".join(AUDIT_ENTITIES)
            raise InvalidInput("entity", f"must be one of {choices}, got {entity!r}")
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput("limit", f"must be in [1, {MAX_LIMIT}], got {limit}")
        if start is not None and end is not None and start >= end:
            raise InvalidInput("to", "must be after from")
        with self._database.session(readonly=True) as session:
            return audit.list_changes(
                session, entity=entity, actor_id=actor, start=start, end=end, limit=limit
            )
