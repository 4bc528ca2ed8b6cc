"""The audit log: rows added in the change's transaction, read newest first with filters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nba.domain import Actor
from nba.storage import Database
from nba.storage.audit import list_changes, record_change

ADMIN = Actor(id="k1", role="admin")


def test_a_change_is_read_back_with_its_actor_and_both_states(db: Database) -> None:
    with db.session() as session:
        written = record_change(
            session, ADMIN, "offer", "disc", "edit",
            before={"cost": 1.0, "caps": {"budget_accepts": None}},
            after={"cost": 2.0, "caps": {"budget_accepts": 10}},
        )  # fmt: skip
    with db.session(readonly=True) as session:
        [entry] = list_changes(session)
    assert entry == written
    assert entry.actor == ADMIN and (entry.entity, entry.entity_id, entry.action) == (
        "offer", "disc", "edit",
    )  # fmt: skip
    assert entry.after == {"cost": 2.0, "caps": {"budget_accepts": 10}}


def test_entries_come_newest_first_and_filter_by_entity_actor_and_time(db: Database) -> None:
    with db.session() as session:
        first = record_change(session, ADMIN, "offer", "a", "create", after={})
        second = record_change(session, Actor.cli(), "key", "k2", "revoke", before={}, after={})
        third = record_change(session, ADMIN, "model", "3", "activate", after={})
    with db.session(readonly=True) as session:
        assert [e.id for e in list_changes(session)] == [third.id, second.id, first.id]
        assert [e.id for e in list_changes(session, limit=2)] == [third.id, second.id]
        assert [e.id for e in list_changes(session, entity="key")] == [second.id]
        assert [e.id for e in list_changes(session, actor_id="k1")] == [third.id, first.id]
        after = list_changes(session, start=second.ts)
        before = list_changes(session, end=second.ts)
    assert second.id in {e.id for e in after} and first.id not in {e.id for e in after}
    assert second.id not in {e.id for e in before}
    with db.session(readonly=True) as session:
        assert list_changes(session, start=third.ts + timedelta(seconds=1)) == []


def test_an_entry_is_rolled_back_with_the_change_it_records(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as session:
        record_change(session, ADMIN, "offer", "a", "create", after={})
        raise RuntimeError("the change failed")
    with db.session(readonly=True) as session:
        assert list_changes(session) == []
