"""The decision path's fast parts agree with what they replace: the body reader with the strict
standard parser, the draw with numpy's `Generator.choice`, the reply with `DecisionReply`'s
dump, the prepared insert with the ORM's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy.exc import IntegrityError

from nba.domain import Decision, EligibleOffer
from nba.errors import InvalidInput
from nba.schemas.decisions import DecisionReply, decision_reply
from nba.serving.decider import DecisionResult, drawn
from nba.storage import Database, decisions
from policies.base import Reason


def test_a_draw_picks_what_numpys_choice_picks_from_the_same_seed():
    shapes = np.random.default_rng(3)
    for seed in range(300):
        k = int(shapes.integers(1, 12))
        p = shapes.dirichlet(np.ones(k) * 0.5)
        if seed % 5 == 0:
            p[int(shapes.integers(k))] = 0.0  # offers with no chance are never drawn
        if p.sum() == 0:
            continue
        probabilities = tuple(float(x) for x in p)
        ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
        for _ in range(20):
            expected = int(numpys.choice(k, p=p / p.sum()))
            assert drawn(probabilities, float(ours.random())) == expected


@pytest.mark.parametrize("bad", [(0.5, -0.1), (float("nan"), 1.0), (0.0, 0.0), (float("inf"),)])
def test_a_draw_refuses_probabilities_that_are_no_distribution(bad):
    with pytest.raises(ValueError, match="probabilities"):
        drawn(bad, 0.5)


def _decision(chosen: str = "b") -> Decision:
    return Decision(
        id="d-1",
        ts=datetime(2026, 12, 1, 12, tzinfo=UTC),
        customer_id="c-1",
        churn_score=0.7,
        context=(("plan", "gold"), ("tenure_months", 30)),
        channel="web",
        eligible=(
            EligibleOffer("a", 1, "discount", (("discount_pct", 10),)),
            EligibleOffer("b", 3, "service", ()),
            EligibleOffer("no_action", 1, "none", ()),
        ),
        probabilities=(0.2, 0.7, 0.1),
        scores=(0.05, 0.3, 0.0),
        chosen=chosen,
        propensity=0.7,
        policy="vw",
        model_version=4,
    )


@pytest.mark.parametrize(
    "result",
    [
        DecisionResult(_decision()),
        DecisionResult(
            _decision("a"),
            (Reason("tenure_months", 0.21, "context", 30), Reason("offer", -1, "offer", None)),
            "reasons against 2 other offers",
        ),
        DecisionResult(_decision(), (), "the model cannot explain yet"),
    ],
)
def test_the_decision_reply_is_the_dump_of_its_model(result):
    expected = DecisionReply.of(result).model_dump(mode="json")
    reply = decision_reply(result)
    assert reply == expected
    assert list(reply) == list(expected)
    assert [type(v) for v in reply.values()] == [type(v) for v in expected.values()]


def test_a_decision_logged_by_the_prepared_insert_reads_back_as_the_orm_logs_it(db_url):
    database = Database(db_url)
    try:
        decisions.log_decisions(database, [_decision()])
        with database.session() as session:
            decisions.add_decisions(session, [replace(_decision(), id="d-2")])
        with database.session(readonly=True) as session:
            fast = decisions.get_decision(session, "d-1")
            orm = decisions.get_decision(session, "d-2")
    finally:
        database.dispose()
    assert fast == _decision()
    assert orm == replace(_decision(), id="d-2")


def test_a_second_decision_with_the_same_id_is_refused_and_the_first_kept(db_url):
    database = Database(db_url)
    try:
        decisions.log_decisions(database, [_decision()])
        with pytest.raises(IntegrityError):
            decisions.log_decisions(database, [replace(_decision(), customer_id="c-2")])
        decisions.log_decisions(database, [replace(_decision(), id="d-3")])  # the pool goes on
        with database.session(readonly=True) as session:
            assert decisions.count_decisions(session) == 2
            kept = decisions.get_decision(session, "d-1")
    finally:
        database.dispose()
    assert kept is not None and kept.customer_id == "c-1"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"customer_id": "c-1", "churn_score": 0.5, "context": {"plan": "gold", "n": 3}}',
        b'{"a": "say \\": here", "b": {"c\\":": [1, {"d": null}]}}',  # key ends inside strings
        b'{"big": 123456789012345678901234567890, "small": -0, "tiny": 1.5e-7}',
        b'  [1, 2.5, "x", true, false, null, {}]  ',
        '{"name": "\u00e9t\u00e9", "emoji": "\\ud83d\\ude00"}'.encode(),
    ],
)
def test_a_body_reads_as_the_standard_parser_reads_it(raw):
    import json

    from flask import Flask

    from api.bodies import read_json

    with Flask(__name__).test_request_context(data=raw, content_type="application/json"):
        data = read_json()
    assert data == json.loads(raw)
    assert repr(data) == repr(json.loads(raw))  # the same types: an integer stays one


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"a": 1, "a": 2}', "key 'a' appears twice"),
        (b'{"a": {"b": 1, "b" :2}}', "key 'b' appears twice"),
        (b'{"x": "\\":", "a": 1, "a" : 2}', "key 'a' appears twice"),
        (b'{"a": NaN}', "NaN is not valid JSON"),
        (b'{"a": 1e400}', None),  # the standard parser reads infinity; the schema refuses it
        (b"[" * 40 + b"]" * 40, "nested deeper than 32 levels"),
        (b'{"a": ', "malformed JSON"),
    ],
)
def test_a_body_the_strict_reading_refuses_is_refused_with_its_reason(raw, message):
    from flask import Flask

    from api.bodies import read_json

    with Flask(__name__).test_request_context(data=raw, content_type="application/json"):
        if message is None:
            assert read_json() == {"a": float("inf")}
            return
        with pytest.raises(InvalidInput, match=message):
            read_json()
