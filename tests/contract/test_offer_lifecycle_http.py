"""HTTP contract of what never changes: a retired offer stays retired, `no_action` stays."""

from __future__ import annotations

import pytest


def test_a_retired_offer_cannot_be_resumed_or_paused(client, headers):
    marketer = headers("marketer")
    assert client.delete("/v1/offers/loyalty", headers=marketer).status_code == 200
    for status in ("active", "paused"):
        reply = client.patch("/v1/offers/loyalty", json={"status": status}, headers=marketer)
        assert reply.status_code == 409
        error = reply.json["error"]
        assert error["code"] == "conflict" and "retired for good" in error["message"]
    assert client.get("/v1/offers/loyalty", headers=marketer).json["status"] == "retired"
    body = {"customer_id": "c", "churn_score": 0.5, "context": {"tenure_months": 40}}
    ranking = client.post("/v1/decisions", json=body, headers=headers("crm")).json["ranking"]
    assert "loyalty" not in {r["offer_id"] for r in ranking}


def test_a_retired_offer_cannot_be_edited_but_retiring_it_again_changes_nothing(client, headers):
    marketer = headers("marketer")
    client.delete("/v1/offers/loyalty", headers=marketer)
    reply = client.patch("/v1/offers/loyalty", json={"cost": 1.0}, headers=marketer)
    assert reply.status_code == 409
    assert "retired for good and cannot be edited" in reply.json["error"]["message"]
    assert client.delete("/v1/offers/loyalty", headers=marketer).status_code == 200
    assert client.get("/v1/offers/loyalty", headers=marketer).json["cost"] == 2.0


def test_a_paused_offer_can_still_be_resumed(client, headers):
    marketer = headers("marketer")
    client.patch("/v1/offers/loyalty", json={"status": "paused"}, headers=marketer)
    reply = client.patch("/v1/offers/loyalty", json={"status": "active"}, headers=marketer)
    assert reply.status_code == 200 and reply.json["status"] == "active"


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("delete", None),
        ("patch", {"status": "retired"}),
        ("patch", {"status": "paused"}),
        ("patch", {"name": "Something else"}),
        ("patch", {"features": {"x": 1}}),
    ],
)
def test_the_built_in_no_action_cannot_be_retired_or_edited(client, headers, method, body):
    marketer = headers("marketer")
    extra = {} if body is None else {"json": body}
    reply = getattr(client, method)("/v1/offers/no_action", headers=marketer, **extra)
    assert reply.status_code == 409
    assert "no_action_enabled" in reply.json["error"]["message"]
    offer = client.get("/v1/offers/no_action", headers=marketer).json
    assert offer["version"] == 1 and offer["status"] == "active"
