"""Decisions from raw signals instead of a churn score: the request, the reply, the record."""

from __future__ import annotations

import pytest

from nba.config import Settings
from nba.runtime import build_runtime

SIGNALS = {"last_rating": 2, "tenure_months": 6, "outages_30d": 3, "bill_shock": False}
BODY = {
    "customer_id": "c-9",
    "signals": SIGNALS,
    "context": {"plan": "gold"},
    "channel": "call_centre",
}


def _decide(client, headers, body):
    return client.post("/v1/decisions", json=body, headers=headers("crm"))


def test_signals_decide_and_the_decision_records_the_health_score(client, headers):
    reply = _decide(client, headers, BODY)
    assert reply.status_code == 200, reply.json
    logged = client.get(f"/v1/decisions/{reply.json['decision_id']}", headers=headers("analyst"))
    record = logged.json
    assert record["churn_source"] == "signals"
    # network + satisfaction + tenure fired: 65 by weight, three families force red (39).
    assert record["health"] == {
        "score": 39,
        "band": "red",
        "families": ["network", "satisfaction", "tenure"],
        "signals": SIGNALS,
    }
    assert record["churn_score"] == pytest.approx(0.61)
    assert record["context"]["plan"] == "gold"
    assert record["context"]["health.band"] == "red"
    assert record["context"]["signal.outages_30d"] == 3


def test_a_churn_score_decision_says_so_and_has_no_health(client, headers):
    body = {"customer_id": "c-1", "churn_score": 0.3}
    decision_id = _decide(client, headers, body).json["decision_id"]
    record = client.get(f"/v1/decisions/{decision_id}", headers=headers("crm")).json
    assert record["churn_source"] == "churn_score" and "health" not in record


def test_the_stand_in_churn_score_drives_eligibility(client, headers):
    # discount_10 of the sample offers needs churn >= 0.3 (tests/conftest.py): red (0.61)
    # qualifies, full health (churn 0) does not.
    red = _decide(client, headers, BODY).json
    green = _decide(client, headers, {"customer_id": "c-2", "signals": {"tenure_months": 40}}).json
    assert "discount_10" in {r["offer_id"] for r in red["ranking"]}
    assert "discount_10" not in {r["offer_id"] for r in green["ranking"]}


def test_a_batch_mixes_churn_scores_and_signals(client, headers):
    body = {"requests": [BODY, {"customer_id": "c-3", "churn_score": 0.2}]}
    reply = client.post("/v1/decisions/batch", json=body, headers=headers("crm"))
    assert reply.status_code == 200, reply.json
    sources = [
        client.get(f"/v1/decisions/{d['decision_id']}", headers=headers("crm")).json["churn_source"]
        for d in reply.json["decisions"]
    ]
    assert sources == ["signals", "churn_score"]


@pytest.mark.parametrize(
    "body, field, says",
    [
        ({"customer_id": "c"}, "churn_score", "required unless signals"),
        ({**BODY, "churn_score": 0.5}, "churn_score", "not both"),
        ({**BODY, "signals": {}}, "signals", "at least one signal"),
        ({**BODY, "signals": {"tenure_months": None}}, "signals", "at least one signal"),
        (
            {**BODY, "signals": {"support_calls_7d": -1}},
            "signals.support_calls_7d",
            "greater than or equal to 0",
        ),
        (
            {**BODY, "signals": {"support_calls_7d": 1.5}},
            "signals.support_calls_7d",
            "valid integer",
        ),
        ({**BODY, "signals": {"bill_shock": "yes"}}, "signals.bill_shock", "valid boolean"),
        ({**BODY, "signals": {"last_rating": 6}}, "signals.last_rating", "less than or equal to 5"),
        ({**BODY, "signals": {"suport_calls_7d": 1}}, "signals.suport_calls_7d", "did you mean"),
        (
            {**BODY, "context": {"health.score": 90}},
            "context.health.score",
            "names starting with 'health.'",
        ),
        (
            {"customer_id": "c", "churn_score": 0.5, "context": {"signal.x": 1}},
            "context.signal.x",
            "are nba's",
        ),
    ],
)
def test_a_bad_source_of_the_churn_score_is_400_naming_the_field(
    client, headers, runtime, body, field, says
):
    reply = _decide(client, headers, body)
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"] == field
    assert says in reply.json["error"]["message"]


def test_a_bad_request_in_a_batch_is_named_by_its_index(client, headers):
    body = {"requests": [BODY, {"customer_id": "c-3"}]}
    reply = client.post("/v1/decisions/batch", json=body, headers=headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "requests.1.churn_score"


def test_an_integral_float_count_is_taken(client, headers):
    body = {**BODY, "signals": {"support_calls_7d": 3.0}}
    assert _decide(client, headers, body).status_code == 200


def test_the_configured_weights_file_scores_the_signals(tmp_path, db_url):
    path = tmp_path / "health.yaml"
    path.write_text(
        "families:\n  calls:\n    weight: 1\n    triggers: [{signal: support_calls_7d, value: 1}]\n"
    )
    settings = Settings(database_url=db_url, data_dir=tmp_path, seed=7, health_score_file=path)
    runtime = build_runtime(settings)
    try:
        health = _health_of(runtime, {"support_calls_7d": 1})
    finally:
        runtime.close()
    assert (health["score"], health["band"], health["families"]) == (0, "red", ["calls"])


def _health_of(runtime, signals):
    from api import create_app

    app = create_app(runtime=runtime, start_jobs=False)
    _, key = runtime.keys.create("crm", "test")
    auth = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    reply = client.post(
        "/v1/decisions", json={"customer_id": "c", "signals": signals}, headers=auth
    )
    assert reply.status_code == 200, reply.json
    return client.get(f"/v1/decisions/{reply.json['decision_id']}", headers=auth).json["health"]


def test_the_document_says_one_of_churn_score_and_signals(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    body = schemas["DecisionBody"]
    assert body["oneOf"] == [{"required": ["churn_score"]}, {"required": ["signals"]}]
    assert "churn_score" not in body.get("required", [])
    assert body["properties"]["context"]["propertyNames"]["not"] == {
        "pattern": r"^(health|signal)\."
    }
    signals = schemas["SignalsBody"]
    assert signals["minProperties"] == 1 and signals["additionalProperties"] is False
    assert signals["properties"]["support_calls_7d"]["minimum"] == 0
