"""What the learners read: unlearned answers of each kind in key order, decoded into the very
events that the logged decisions make, retention answers as the correction of their outcome."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from nba.domain import Decision, EligibleOffer, Feedback, FeedbackKind
from nba.learning.events import EventDecoder, to_event
from nba.reward import corrected_target
from nba.storage import Database, record_once, unlearned_rows
from nba.storage.decisions import add_decisions

ACCEPTANCE, RETENTION = FeedbackKind.ACCEPTANCE, FeedbackKind.RETENTION
OFFERS = (
    EligibleOffer("none", 1, "none"),
    EligibleOffer("discount_10", 2, "discount", (("pct", 10), ("months", 3.5))),
    EligibleOffer("loyalty", 1, "loyalty", (("tier", "gold"), ("double", True))),
)
CONTEXTS = (
    (("plan", "gold"), ("tenure", 24), ("arpu", 41.5)),
    (("plan", None), ("tenure", 3), ("note", "null")),  # a JSON null and the word null
    (("vip", True), ("nullable", "nulls"), ("score", -0.25)),
    (),
)


@pytest.fixture
def database(db_url: str):
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def _log(database: Database, n: int) -> list[tuple[Decision, float]]:
    start = datetime.now(UTC) - timedelta(hours=1)
    logged = []
    for i in range(n):
        chosen = i % len(OFFERS)
        decision = Decision(
            id=f"d{i:03d}",
            ts=start + timedelta(seconds=i),
            customer_id=f"c{i}",
            churn_score=(i % 10) / 10,
            context=CONTEXTS[i % len(CONTEXTS)],
            channel="app",
            eligible=OFFERS if i % 2 else OFFERS[::-1],
            probabilities=(0.2, 0.3, 0.5),
            scores=(0.0, 0.0, 0.0),
            chosen=OFFERS[chosen].offer_id,
            propensity=(0.2, 0.3, 0.5)[chosen],
            policy="vw",
            model_version=None,
        )
        logged.append((decision, float(i % 3 == 0)))
    with database.session() as session:
        add_decisions(session, [d for d, _ in logged])
        for k, (decision, reward) in enumerate(logged):
            # Outcomes arrive in another order than decisions: every 5th one late.
            ts = start + timedelta(minutes=10, seconds=k + (100 if k % 5 == 0 else 0))
            answer = Feedback(ACCEPTANCE, decision.id, reward > 0, None, ts, "reported", reward)
            record_once(session, answer)
    return logged


def test_pages_of_unlearned_rows_decode_into_the_logged_events_in_outcome_order(database):
    logged = _log(database, 23)
    rows, after = [], None
    with database.session(readonly=True) as session:
        while page := unlearned_rows(session, ACCEPTANCE, after, 5):
            assert len(page) <= 5
            rows.extend(page)
            after = page[-1].key
    late = [d.id for k, (d, _) in enumerate(logged) if k % 5 == 0]
    on_time = [d.id for k, (d, _) in enumerate(logged) if k % 5]
    assert [row.decision_id for row in rows] == on_time + late
    decoder = EventDecoder()
    by_id = dict((d.id, (d, r)) for d, r in logged)
    for row in rows:
        decision, reward = by_id[row.decision_id]
        assert decoder.event(row) == to_event(decision, reward)


def test_unlearned_retention_answers_decode_as_the_correction_of_their_outcome(database):
    logged = [(d, r) for d, r in _log(database, 6)]
    unanswered = dataclasses.replace(logged[0][0], id="no-outcome")
    logged.append((unanswered, None))  # a retention answer for a decision without an outcome
    start = datetime.now(UTC)
    with database.session() as session:
        add_decisions(session, [unanswered])
        for k, (decision, _) in enumerate(logged):
            answer = Feedback(RETENTION, decision.id, k % 2 == 0, None,
                              start + timedelta(seconds=k), "reported", 0.3 - 0.1 * k)  # fmt: skip
            record_once(session, answer)
    with database.session(readonly=True) as session:
        rows = unlearned_rows(session, RETENTION, None, 10)
    assert [row.decision_id for row in rows] == [d.id for d, _ in logged]
    decoder = EventDecoder()
    for k, (row, (decision, interim)) in enumerate(zip(rows, logged, strict=True)):
        assert row.interim == interim and row.reward == pytest.approx(0.3 - 0.1 * k)
        assert decoder.event(row) == to_event(decision, corrected_target(row.reward, interim))
