"""The retention log uplift reads: the decisions with a retention answer, each with the cost of
the offer version it chose, and the reward retained x customer value - cost if accepted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from nba.domain import Offer
from nba.storage import Database, add_offer, retention_frame, update_offer
from nba.uplift.data import read_retention_log
from tests.uplift_world import CATALOG, COST, START, simulate, store_world


@pytest.fixture
def world(db: Database):
    with db.session() as session:
        add_offer(session, Offer("no_action", "No action", "none"))
        for spec in CATALOG:
            add_offer(session, Offer(spec["id"], spec["name"], spec["category"], cost=spec["cost"]))
    rows = simulate(40, np.random.default_rng(9))
    store_world(db, rows)
    return rows


def test_each_answer_carries_the_cost_of_the_version_its_decision_chose(db, world):
    with db.session() as session:
        update_offer(session, "discount", {"cost": 99.0})  # a later version costs more
    with db.session(readonly=True) as session:
        frame = retention_frame(session).set_index("decision_id")
    assert len(frame) == 40
    for row in world:
        found = frame.loc[row.decision_id]
        assert (found["retained"], found["customer_value"]) == (row.retained, row.value)
        assert found["chosen_cost"] == COST[row.offer_id]
        assert (found["offer_id"], bool(found["accepted"])) == (row.offer_id, row.accepted)


def test_the_reward_is_retained_value_less_the_cost_of_an_accept(db, world):
    log = read_retention_log(db, None, None, "retention_value", 100.0)
    assert log is not None and log.data.n == 40
    by_id = {r.decision_id: r for r in world}
    expected = [
        by_id[i].retained * by_id[i].value - COST[by_id[i].offer_id] * by_id[i].accepted
        for i in log.data.frame["decision_id"]
    ]
    assert log.data.reward == pytest.approx(expected)
    assert log.answered.all() and list(log.accepted) == [
        by_id[i].accepted for i in log.data.frame["decision_id"]
    ]


def test_the_window_keeps_the_decisions_made_in_it(db, world):
    start = START + timedelta(minutes=30)
    log = read_retention_log(db, start, None, "retention_rate", 100.0)
    assert log is not None and log.data.n == 10
    assert set(log.data.reward) <= {0.0, 1.0}
    assert read_retention_log(db, None, START, "retention_value", 100.0) is None


def test_default_retention_answers_are_left_out(db, world):
    later = [replace(r, decision_id=f"default-{i}") for i, r in enumerate(world[:5])]
    store_world(db, later, retention_source="default")
    with db.session(readonly=True) as session:
        assert len(retention_frame(session)) == 45
    log = read_retention_log(db, None, None, "retention_value", 100.0)
    assert log is not None and log.data.n == 40
