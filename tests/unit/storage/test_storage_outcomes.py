"""Outcomes: one per decision, tied to a logged decision, read back in outcome order."""

from __future__ import annotations

import dataclasses
from datetime import UTC, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from nba.storage import (
    Database,
    add_decision,
    add_outcome,
    count_outcomes,
    get_outcome,
    outcomes_since,
)

from .factories import T0, decision, outcome


def test_outcome_reads_back_equal(db: Database) -> None:
    logged = decision()
    recorded = outcome(logged.id, accepted=False)
    with db.session() as session:
        add_decision(session, logged)
        add_outcome(session, recorded)
    with db.session() as session:
        read = get_outcome(session, logged.id)
        assert get_outcome(session, "missing") is None
        assert count_outcomes(session) == 1
    assert read == recorded and read.value is None and read.ts.tzinfo == UTC


def test_second_outcome_of_a_decision_fails_and_the_first_stays(db: Database) -> None:
    logged = decision()
    first = outcome(logged.id, accepted=True)
    with db.session() as session:
        add_decision(session, logged)
        add_outcome(session, first)
    with db.session() as session:
        with pytest.raises(IntegrityError):
            add_outcome(session, dataclasses.replace(first, accepted=False, reward=0.0))
        # the savepoint leaves the transaction usable, so the caller can compare
        assert get_outcome(session, logged.id) == first
    with db.session() as session:
        assert get_outcome(session, logged.id) == first
        assert count_outcomes(session) == 1


def test_outcome_of_an_unknown_decision_fails(db: Database) -> None:
    with pytest.raises(IntegrityError), db.session() as session:
        add_outcome(session, outcome("no-such-decision"))
    with db.session() as session:
        assert count_outcomes(session) == 0


def test_outcomes_since_come_after_the_watermark_in_outcome_order(db: Database) -> None:
    ds = [decision(ts=T0 + timedelta(minutes=i)) for i in range(4)]
    # outcomes arrive in another order than the decisions were made
    arrival = {ds[0].id: 3, ds[1].id: 1, ds[2].id: 2, ds[3].id: 0}
    with db.session() as session:
        for d in ds:
            add_decision(session, d)
            add_outcome(session, outcome(d.id, ts=T0 + timedelta(hours=arrival[d.id])))
        every = outcomes_since(session, None)
        later = outcomes_since(session, T0 + timedelta(hours=2, minutes=30))
        first_two = outcomes_since(session, None, limit=2)
    assert [d.id for d, _ in every] == [ds[3].id, ds[1].id, ds[2].id, ds[0].id]
    assert all(d.id == o.decision_id for d, o in every)
    assert every[0][0] == ds[3] and every[0][1] == outcome(ds[3].id, ts=T0)
    assert [d.id for d, _ in later] == [ds[2].id, ds[0].id]
    assert first_two == every[:2]
