"""The audit log as the admin reads it: who changed what, when, before and after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from nba.domain import AuditEntry
from nba.schemas._common import Reply, Timestamp


class AuditActor(Reply):
    """Who made a change: a key's id and role, or `cli` / `system`."""

    id: str
    role: str


class AuditEntryReply(Reply):
    """One change: `before` is null for a creation; both are the entity's JSON form."""

    id: int
    ts: Timestamp
    actor: AuditActor
    entity: str
    entity_id: str
    action: str
    before: dict[str, object] | None
    after: dict[str, object] | None

    @classmethod
    def of(cls, entry: AuditEntry) -> Self:
        """The reply form of an audit entry."""
        return cls(
            id=entry.id,
            ts=entry.ts,
            actor=AuditActor(id=entry.actor.id, role=entry.actor.role),
            entity=entry.entity,
            entity_id=entry.entity_id,
            action=entry.action,
            before=None if entry.before is None else dict(entry.before),
            after=None if entry.after is None else dict(entry.after),
        )


class AuditList(Reply):
    """GET /v1/audit: entries, newest first."""

    entries: list[AuditEntryReply]


def audit_list_reply(entries: Sequence[AuditEntry]) -> dict[str, object]:
    """The JSON form of audit entries, in the order given."""
    return AuditList(entries=[AuditEntryReply.of(e) for e in entries]).model_dump(mode="json")
