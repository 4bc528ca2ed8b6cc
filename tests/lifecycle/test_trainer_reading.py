"""What the trainer reads: unlearned outcomes in key order, decoded into the very events
that the logged decisions make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nba.domain import Decision, EligibleOffer, Outcome
from nba.learning.keeper import EventDecoder, to_event
from nba.storage import Database, add_outcome, unlearned_rows
from nba.storage.decisions import add_decisions

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
            add_outcome(session, Outcome(decision.id, reward > 0, None, ts, "reported", reward))
    return logged


def test_pages_of_unlearned_rows_decode_into_the_logged_events_in_outcome_order(database):
    logged = _log(database, 23)
    rows, after = [], None
    with database.session(readonly=True) as session:
        while page := unlearned_rows(session, after, 5):
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
