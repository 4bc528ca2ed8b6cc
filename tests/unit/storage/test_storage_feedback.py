"""Feedback: one answer of each kind per decision, kept once, and the open-answer queue."""

from __future__ import annotations

import dataclasses
from datetime import UTC, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from nba.domain import FeedbackKind
from nba.errors import Conflict
from nba.storage import (
    Database,
    add_decision,
    count_feedback,
    decisions_without_feedback,
    get_feedback,
    record_once,
)

from .factories import T0, decision, outcome, retention

ANSWERS = {FeedbackKind.ACCEPTANCE: outcome, FeedbackKind.RETENTION: retention}
KINDS = list(FeedbackKind)


@pytest.mark.parametrize("kind", KINDS)
def test_feedback_reads_back_equal_under_its_kind_only(db: Database, kind: FeedbackKind) -> None:
    logged = decision()
    recorded = ANSWERS[kind](logged.id, False)
    with db.session() as session:
        add_decision(session, logged)
        assert record_once(session, recorded) == (recorded, True)
    other = next(k for k in KINDS if k is not kind)
    with db.session() as session:
        read = get_feedback(session, kind, logged.id)
        assert get_feedback(session, kind, "missing") is None
        assert get_feedback(session, other, logged.id) is None
        assert count_feedback(session, kind) == 1 and count_feedback(session, other) == 0
    assert read == recorded and read.value is None and read.ts.tzinfo == UTC


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_answer_again_is_a_repeat_and_changes_nothing(
    db: Database, kind: FeedbackKind
) -> None:
    logged = decision()
    first = ANSWERS[kind](logged.id)
    with db.session() as session:
        add_decision(session, logged)
        record_once(session, first)
    later = dataclasses.replace(first, ts=first.ts + timedelta(hours=1), reward=0.5)
    with db.session() as session:
        assert record_once(session, later) == (first, False)
    with db.session() as session:
        assert get_feedback(session, kind, logged.id) == first
        assert count_feedback(session, kind) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_different_answer_is_a_conflict_naming_the_one_on_record(
    db: Database, kind: FeedbackKind
) -> None:
    logged = decision()
    first = ANSWERS[kind](logged.id, True)
    with db.session() as session:
        add_decision(session, logged)
        record_once(session, first)
    with db.session() as session:
        with pytest.raises(Conflict) as raised:
            record_once(session, dataclasses.replace(first, answer=False))
        # the session stays usable, the first answer stands
        assert get_feedback(session, kind, logged.id) == first
    field = kind.answer_field
    assert raised.value.details == {"field": field, "recorded": {field: True, "value": first.value}}


@pytest.mark.parametrize("kind", KINDS)
def test_feedback_of_an_unknown_decision_fails(db: Database, kind: FeedbackKind) -> None:
    with pytest.raises(IntegrityError), db.session() as session:
        record_once(session, ANSWERS[kind]("no-such-decision"))
    with db.session() as session:
        assert count_feedback(session, kind) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_decisions_without_feedback_are_the_oldest_open_ones_of_that_kind_before_the_cutoff(
    db: Database, kind: FeedbackKind
) -> None:
    ds = [decision(ts=T0 + timedelta(days=i)) for i in range(4)]
    other = next(k for k in KINDS if k is not kind)
    with db.session() as session:
        for d in ds:
            add_decision(session, d)
        record_once(session, ANSWERS[kind](ds[0].id))
        record_once(session, ANSWERS[other](ds[1].id))  # another kind's answer: still open
        open_ = decisions_without_feedback(session, kind, before=T0 + timedelta(days=3))
        first = decisions_without_feedback(session, kind, T0 + timedelta(days=3), limit=1)
    assert open_ == ds[1:3]
    assert first == [ds[1]]
