"""Contact policies in storage: the policy document, the suppression list, and the counts a
decision checks them against (a customer's recent contacts and declines).

The counts read decisions by `ix_decisions_customer_ts` (customer, then time): one customer's
rows in a window, never a scan of the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from nba.clock import parse_time
from nba.contact_policy import Suppression
from nba.domain import NO_ACTION_ID
from nba.storage.learned import get_state, set_state
from nba.storage.tables import DecisionRow, OfferRow, OutcomeRow, SuppressionRow, metadata

POLICY_STATE = "contact_policy"


def get_policy_json(session: Session) -> dict | None:
    """The stored contact policy document, or None if none was ever set."""
    return get_state(session, POLICY_STATE)


def set_policy_json(session: Session, document: Mapping[str, object]) -> None:
    """Store the contact policy document (replacing it)."""
    set_state(session, POLICY_STATE, dict(document))


def get_suppression(session: Session, customer_id: str) -> Suppression | None:
    """The customer's suppression (expired or not), or None."""
    row = session.execute(_SUPPRESSION, {"customer_id": customer_id}).first()
    return None if row is None else Suppression(*row)


_CHUNK = 500
"""Customer ids per statement when many suppressions are written at once."""


def put_suppressions(session: Session, entries: Iterable[Suppression]) -> tuple[int, int]:
    """Add or replace suppressions (one entry per customer id); returns (added, replaced).

    Written in chunks of Core statements, so that importing a file of a million customers
    takes seconds, not an ORM round trip per row.
    """
    table = metadata.tables[SuppressionRow.__tablename__]
    added = replaced = 0
    batch = list(entries)
    for start in range(0, len(batch), _CHUNK):
        chunk = batch[start : start + _CHUNK]
        ids = [e.customer_id for e in chunk]
        listed = sa.select(table.c.customer_id).where(table.c.customer_id.in_(ids))
        known = set(session.execute(listed).scalars())
        rows = [_row_values(e) for e in chunk]
        new = [r for r in rows if r["customer_id"] not in known]
        old = [{**r, "key": r["customer_id"]} for r in rows if r["customer_id"] in known]
        if new:
            session.execute(sa.insert(table), new)
        if old:
            update = (
                sa.update(table)
                .where(table.c.customer_id == sa.bindparam("key"))
                .values(
                    reason=sa.bindparam("reason"),
                    added_at=sa.bindparam("added_at"),
                    added_by=sa.bindparam("added_by"),
                    expires_at=sa.bindparam("expires_at"),
                )
            )
            session.execute(update, old)
        added, replaced = added + len(new), replaced + len(old)
    session.flush()
    return added, replaced


def _row_values(entry: Suppression) -> dict[str, object]:
    return {
        "customer_id": entry.customer_id,
        "reason": entry.reason,
        "added_at": entry.added_at,
        "added_by": entry.added_by,
        "expires_at": entry.expires_at,
    }


def delete_suppression(session: Session, customer_id: str) -> Suppression | None:
    """Remove a customer's suppression; the removed entry, or None if there was none."""
    row = session.get(SuppressionRow, customer_id)
    if row is None:
        return None
    removed = _to_suppression(row)
    session.delete(row)
    session.flush()
    return removed


def list_suppressions(
    session: Session, *, after: str | None = None, limit: int = 100
) -> list[Suppression]:
    """Suppressions ordered by customer id, those after `after`, at most `limit`."""
    query = select(SuppressionRow).order_by(col(SuppressionRow.customer_id))
    if after is not None:
        query = query.where(col(SuppressionRow.customer_id) > after)
    return [_to_suppression(row) for row in session.exec(query.limit(limit))]


def count_suppressions(session: Session) -> int:
    """How many customers are on the list (expired entries included)."""
    return int(session.exec(select(sa.func.count()).select_from(SuppressionRow)).one())


def _to_suppression(row: SuppressionRow) -> Suppression:
    return Suppression(
        customer_id=row.customer_id,
        reason=row.reason,
        added_at=row.added_at,
        added_by=row.added_by,
        expires_at=row.expires_at,
    )


# The per-decision queries are built once (bound parameters), so that a decision pays for
# running them, not for building and compiling them (several times the cost on SQLite).
_SUPPRESSION = sa.select(
    col(SuppressionRow.customer_id),
    col(SuppressionRow.reason),
    col(SuppressionRow.added_at),
    col(SuppressionRow.added_by),
    col(SuppressionRow.expires_at),
).where(col(SuppressionRow.customer_id) == sa.bindparam("customer_id"))


@dataclass(frozen=True, slots=True)
class Contact:
    """A decision that chose an offer (not `no_action`) for the customer: when, on which
    channel, the offer and its category, and when the customer declined it (None: no
    reported decline; a default outcome is none)."""

    ts: datetime
    channel: str | None
    offer_id: str
    category: str
    declined_at: datetime | None


_CONTACTS_OF = (
    sa.select(
        col(DecisionRow.ts),
        col(DecisionRow.channel),
        col(DecisionRow.chosen),
        col(OfferRow.category),
        col(OutcomeRow.accepted),
        col(OutcomeRow.source),
        sa.func.coalesce(col(OutcomeRow.occurred_at), col(OutcomeRow.ts)),
    )
    .outerjoin(OutcomeRow, col(OutcomeRow.decision_id) == DecisionRow.id)
    .outerjoin(
        OfferRow,
        sa.and_(
            col(OfferRow.id) == DecisionRow.chosen,
            col(OfferRow.version) == DecisionRow.chosen_version,
        ),
    )
    .where(col(DecisionRow.ts) >= sa.bindparam("since"))
    .where(col(DecisionRow.chosen) != NO_ACTION_ID)
)
"""Contacts since `since` with their outcomes and offer versions, of customers yet to name."""
_CONTACTS = _CONTACTS_OF.where(col(DecisionRow.customer_id) == sa.bindparam("customer_id"))


def recent_contacts(session: Session, customer_id: str, since: datetime) -> list[Contact]:
    """The customer's contacts decided at or after `since`, with their declines: one range of
    `ix_decisions_customer_ts`, each joined to its outcome and offer version by key."""
    rows = session.execute(_CONTACTS, {"customer_id": customer_id, "since": since})
    return [_contact(*row) for row in rows]


def _contact(
    ts: datetime | str,
    channel: str | None,
    offer_id: str,
    category: str | None,
    accepted: bool | None,
    source: str | None,
    at: datetime | str | None,
) -> Contact:
    declined = accepted is False and source == "reported" and at is not None
    return Contact(
        ts=_aware(ts),
        channel=channel,
        offer_id=offer_id,
        category=category or "",
        declined_at=_aware(at) if declined and at is not None else None,
    )


def _aware(value: datetime | str) -> datetime:
    # An aggregate may come back without the column's type (text, or a naive time on SQLite).
    return parse_time(value, "declined_at")


def suppressions_of(session: Session, customer_ids: Sequence[str]) -> dict[str, Suppression]:
    """The suppressions (expired or not) of those of `customer_ids` on the list: one query."""
    table = metadata.tables[SuppressionRow.__tablename__]
    query = sa.select(
        table.c.customer_id, table.c.reason, table.c.added_at, table.c.added_by,
        table.c.expires_at,
    ).where(_among(session, table.c.customer_id))  # fmt: skip
    rows = session.execute(query, {"ids": _ids_value(session, customer_ids)})
    return {row[0]: Suppression(*row) for row in rows}


def recent_contacts_of(
    session: Session, customer_ids: Sequence[str], since: datetime
) -> dict[str, list[Contact]]:
    """`recent_contacts` of many customers in one query (those with none are left out): the
    ids go as one value (a JSON array on SQLite, an array on PostgreSQL), so that a batch of
    any size is one statement, each id a range of `ix_decisions_customer_ts`."""
    customer = metadata.tables[DecisionRow.__tablename__].c.customer_id
    query = _CONTACTS_OF.add_columns(customer).where(_among(session, customer))
    found: dict[str, list[Contact]] = {}
    rows = session.execute(query, {"ids": _ids_value(session, customer_ids), "since": since})
    for ts, channel, offer_id, category, accepted, source, at, customer_id in rows:
        found.setdefault(customer_id, []).append(
            _contact(ts, channel, offer_id, category, accepted, source, at)
        )
    return found


def _among(session: Session, column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """`column` is one of the ids bound as `ids` (`_ids_value`)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.String)))
    listed = sa.select(sa.column("value", sa.String)).select_from(
        sa.func.json_each(sa.bindparam("ids", type_=sa.String))
    )
    return column.in_(listed.scalar_subquery())


def _ids_value(session: Session, customer_ids: Sequence[str]) -> object:
    if session.get_bind().dialect.name == "postgresql":
        return list(customer_ids)
    return orjson.dumps(list(customer_ids)).decode()
