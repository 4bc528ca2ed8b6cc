"""Bad input gets a 400/404/413 naming the field, and nothing is written."""

from __future__ import annotations

import pytest

GOOD = {"customer_id": "c-1", "churn_score": 0.5, "context": {"plan": "gold"}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"churn_score": 0.5}, "customer_id"),
        ({"customer_id": "c-1"}, "churn_score"),
        ({**GOOD, "churn_score": 1.5}, "churn_score"),
        ({**GOOD, "churn_score": -0.1}, "churn_score"),
        ({**GOOD, "churn_score": "0.5"}, "churn_score"),
        ({**GOOD, "churn_score": True}, "churn_score"),
        ({**GOOD, "customer_id": 17}, "customer_id"),
        ({**GOOD, "customer_id": ""}, "customer_id"),
        ({**GOOD, "context": [1, 2]}, "context"),
        ({**GOOD, "context": {"nested": {"a": 1}}}, "context.nested"),
        ({**GOOD, "offer_ids": "discount_10"}, "offer_ids"),
        ({**GOOD, "offer_ids": []}, "offer_ids"),
        ({**GOOD, "explain": "yes"}, "explain"),
        ({**GOOD, "surprise": 1}, "surprise"),
    ],
)
def test_decision_request_with_bad_field_is_400_naming_it(client, headers, runtime, body, field):
    reply = client.post("/v1/decisions", json=body, headers=headers("crm"))
    assert reply.status_code == 400, reply.json
    error = reply.json["error"]
    assert error["code"] == "invalid_input"
    assert error["details"]["field"] == field
    assert field.split(".")[0] in error["message"]
    assert _count(runtime) == 0


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b'{"customer_id": "c", "churn_score": NaN}', b"[1, 2]", b"\xff\xfe"],
)
def test_malformed_json_is_400_naming_the_body(client, headers, runtime, raw):
    reply = client.post("/v1/decisions", data=raw, headers=headers("crm"),
                        content_type="application/json")  # fmt: skip
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "body"
    assert _count(runtime) == 0


def test_nan_in_context_is_400(client, headers, runtime):
    raw = b'{"customer_id": "c", "churn_score": 0.2, "context": {"x": Infinity}}'
    reply = client.post("/v1/decisions", data=raw, headers=headers("crm"),
                        content_type="application/json")  # fmt: skip
    assert reply.status_code == 400
    assert _count(runtime) == 0


def test_body_over_the_limit_is_413(client, headers, runtime):
    big = {**GOOD, "context": {"blob": "x" * 400, **{f"f{i}": "y" * 400 for i in range(3000)}}}
    reply = client.post("/v1/decisions", json=big, headers=headers("crm"))
    assert reply.status_code == 413
    assert reply.json["error"]["code"] == "request_entity_too_large"
    assert _count(runtime) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "accepted"), ({"accepted": "yes"}, "accepted"), ({"accepted": True, "value": "x"},
     "value"), ({"accepted": True, "ts": "yesterday"}, "ts"), ({"accepted": 1}, "accepted")],
)  # fmt: skip
def test_bad_outcome_is_400_naming_the_field(client, headers, runtime, body, field):
    decision = client.post("/v1/decisions", json=GOOD, headers=headers("crm")).json
    url = f"/v1/decisions/{decision['decision_id']}/outcome"
    reply = client.post(url, json=body, headers=headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == field
    assert client.get(f"/v1/decisions/{decision['decision_id']}",
                      headers=headers("crm")).json["outcome"] is None  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "Bad Id", "name": "x", "category": "discount"}, "id"),
        ({"id": "ok", "category": "discount"}, "name"),
        ({"id": "ok", "name": "x", "category": "bribe"}, "category"),
        ({"id": "ok", "name": "x", "category": "discount", "cost": -1}, "cost"),
        ({"id": "ok", "name": "x", "category": "discount", "features": {"a": [1]}}, "features.a"),
        (
            {"id": "ok", "name": "x", "category": "discount",
             "eligibility": {"churn_min": 0.8, "churn_max": 0.2}},
            "eligibility.churn_max",
        ),
        (
            {"id": "ok", "name": "x", "category": "discount",
             "starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"},
            "ends_at",
        ),
    ],
)  # fmt: skip
def test_bad_offer_is_400_naming_the_field(client, headers, body, field):
    reply = client.post("/v1/offers", json=body, headers=headers("marketer"))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"] == field
    listed = client.get("/v1/offers", headers=headers("marketer")).json["offers"]
    assert "ok" not in {o["id"] for o in listed}


def _count(runtime) -> int:
    from nba.storage import count_decisions

    with runtime.database.session() as session:
        return count_decisions(session)
