"""An offer's versions, newest first, each with who made it, when, and what it changed.

Versions come from the offers table (every edit adds one); who and when from the audit log,
whose entry of a change holds the version it left (`after.version`). A version older than the
audit log (migration 0005) has no entry: its author is unknown, its time that of the version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from nba.domain import Actor, AuditEntry, Offer
from nba.errors import NotFound
from nba.schemas import offer_reply
from nba.storage import Database, audit, keys, offers

_NOT_COMPARED = frozenset({"id", "version", "created_at"})
_NESTED = ("features", "eligibility", "caps")
_MAX_ENTRIES = 1000
"""The audit entries read for one offer's history (its newest changes)."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's value before and after a change, as the HTTP API writes it (JSON).

    `field` is a path: `cost`, `eligibility.churn_min`, `features.discount_pct`; None stands
    for a value that is not set (or a feature that is not there).
    """

    field: str
    before: object
    after: object


@dataclass(frozen=True, slots=True)
class OfferVersion:
    """One version of an offer and the change that made it.

    `action` is the audit log's (create, edit, pause, resume, retire), "" when not on record;
    `actor_name` the name of the API key that made it, when a key did and still has a record.
    `changes` compares it with the version before (none for version 1).
    """

    offer: Offer
    action: str
    actor: Actor | None
    actor_name: str | None
    ts: datetime | None
    changes: tuple[FieldChange, ...]


def flat_fields(offer: Offer) -> dict[str, object]:
    """The offer's fields by path (`caps.budget_money`, `features.channel`), JSON values."""
    reply = offer_reply(offer)
    flat: dict[str, object] = {}
    for name, value in reply.items():
        if name in _NOT_COMPARED:
            continue
        if name in _NESTED and isinstance(value, Mapping):
            flat.update({f"{name}.{key}": inner for key, inner in value.items()})
        else:
            flat[name] = value
    return flat


def changes_between(before: Offer | None, after: Offer) -> tuple[FieldChange, ...]:
    """Every field whose value differs from `before` to `after`, in the offer's field order."""
    if before is None:
        return ()
    old, new = flat_fields(before), flat_fields(after)
    paths = list(old) + [path for path in new if path not in old]
    return tuple(
        FieldChange(path, old.get(path), new.get(path))
        for path in paths
        if old.get(path) != new.get(path)
    )


class OfferHistory:
    """Read one offer's versions and the changes between them."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def versions(self, offer_id: str) -> list[OfferVersion]:
        """Every version of the offer, newest first (NotFound if there is no such offer)."""
        with self._database.session(readonly=True) as session:
            stored = offers.list_versions(session, offer_id)
            if not stored:
                raise NotFound("offer", offer_id)
            entries = audit.list_changes(
                session, entity="offer", entity_id=offer_id, limit=_MAX_ENTRIES
            )
            names = {key.id: key.name for key in keys.list_api_keys(session)}
        by_version = _entries_by_version(entries)
        history = []
        for i, offer in enumerate(stored):
            entry = by_version.get(offer.version)
            actor = entry.actor if entry else None
            history.append(
                OfferVersion(
                    offer=offer,
                    action=entry.action if entry else "",
                    actor=actor,
                    actor_name=names.get(actor.id) if actor else None,
                    ts=entry.ts if entry else offer.created_at,
                    changes=changes_between(stored[i - 1] if i else None, offer),
                )
            )
        return history[::-1]


def _entries_by_version(entries: list[AuditEntry]) -> dict[int, AuditEntry]:
    """The audit entry that left each version (the oldest, should one be recorded twice)."""
    found: dict[int, AuditEntry] = {}
    for entry in entries:  # newest first: an older entry of the same version replaces it
        version = (entry.after or {}).get("version")
        if isinstance(version, int):
            found[version] = entry
    return found
