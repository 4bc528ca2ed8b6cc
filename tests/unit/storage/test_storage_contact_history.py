"""The bulk contact history of a campaign batch: the per-customer reads of decide, in one query
(the ids as one value: a JSON array on SQLite, an array on PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from nba.contact_policy import Suppression
from nba.storage import contacts, decisions, feedback, offers
from tests.unit.storage.factories import T0, decision, offer, outcome


def _history(db) -> list[str]:
    """Three customers' decisions: contacts in and out of the window, a decline, no_action."""
    logged = [
        decision("c1", "discount_10", T0 - timedelta(days=1), channel="sms"),
        decision("c1", "device_upgrade", T0 - timedelta(hours=2), channel=None),
        decision("c1", "discount_10", T0 - timedelta(days=40)),  # before the window
        decision("c2", "discount_10", T0 - timedelta(days=3), channel="call"),
        decision("c3", "no_action", T0 - timedelta(hours=1)),  # not a contact
    ]
    with db.session() as session:
        offers.add_offer(session, offer("discount_10"))
        offers.add_offer(session, offer("device_upgrade", category="device"))
        decisions.add_decisions(session, logged)
        feedback.record_once(session, outcome(logged[3].id, accepted=False, ts=T0))
    return [d.id for d in logged]


def test_the_bulk_read_finds_what_each_customer_read_finds(db):
    _history(db)
    since = T0 - timedelta(days=30)
    ids = ["c1", "c2", "c3", "c4"]
    with db.session(readonly=True) as session:
        bulk = contacts.recent_contacts_of(session, ids, since)
        one_by_one = {c: contacts.recent_contacts(session, c, since) for c in ids}
    assert set(bulk) == {"c1", "c2"}  # no contacts in the window: not named
    for customer_id, found in one_by_one.items():
        assert sorted(bulk.get(customer_id, []), key=lambda c: c.ts) == sorted(
            found, key=lambda c: c.ts
        )
    (declined,) = bulk["c2"]
    assert declined.declined_at is not None and declined.channel == "call"
    assert declined.category == "discount"


def test_a_batch_larger_than_any_statement_limit_is_one_query(db):
    _history(db)
    with db.session() as session:
        contacts.put_suppressions(
            session, [Suppression("c2", "asked", T0, "test"), Suppression("c9", "", T0, "test")]
        )
    statements: list[str] = []

    def count(conn, cursor, statement, *args: object) -> None:
        statements.append(statement)

    ids = [f"x{i}" for i in range(40_000)] + ["c1", "c2"]  # SQLite allows 32,766 parameters
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.session(readonly=True) as session:
            listed = contacts.suppressions_of(session, ids)
            recent = contacts.recent_contacts_of(session, ids, T0 - timedelta(days=30))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert set(listed) == {"c2"} and listed["c2"].reason == "asked"
    assert set(recent) == {"c1", "c2"}
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
