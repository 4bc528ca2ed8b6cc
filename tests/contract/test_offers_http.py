"""HTTP contract of the marketer endpoints: offer CRUD with versions, retire."""

from __future__ import annotations

NEW = {
    "id": "data_bonus_5gb",
    "name": "5 GB data bonus",
    "category": "data_bonus",
    "cost": 3.0,
    "features": {"gb": 5},
    "eligibility": {"conditions": [{"field": "data_usage_gb", "op": "gt", "value": 10}]},
    "caps": {"max_per_customer": 1, "window_days": 30},
}


def test_add_then_get_an_offer(client, headers):
    reply = client.post("/v1/offers", json=NEW, headers=headers("marketer"))
    assert reply.status_code == 201
    assert reply.json["version"] == 1
    got = client.get("/v1/offers/data_bonus_5gb", headers=headers("crm")).json
    assert got["features"] == {"gb": 5}
    assert got["caps"]["max_per_customer"] == 1
    assert got["eligibility"]["conditions"][0] == {"field": "data_usage_gb", "op": "gt",
                                                   "value": 10}  # fmt: skip


def test_adding_an_existing_id_is_409(client, headers):
    client.post("/v1/offers", json=NEW, headers=headers("marketer"))
    reply = client.post("/v1/offers", json=NEW, headers=headers("marketer"))
    assert reply.status_code == 409


def test_editing_makes_a_new_version_and_keeps_the_old(client, headers):
    client.post("/v1/offers", json=NEW, headers=headers("marketer"))
    reply = client.patch("/v1/offers/data_bonus_5gb", json={"cost": 4.5},
                         headers=headers("marketer"))  # fmt: skip
    assert reply.status_code == 200
    assert reply.json["version"] == 2 and reply.json["cost"] == 4.5
    old = client.get("/v1/offers/data_bonus_5gb?version=1", headers=headers("marketer")).json
    assert old["cost"] == 3.0


def test_decisions_record_the_offer_version_they_saw(client, headers):
    client.patch("/v1/offers/loyalty", json={"features": {"tier": "gold"}},
                 headers=headers("marketer"))  # fmt: skip
    body = {"customer_id": "c", "churn_score": 0.5, "context": {"tenure_months": 40}}
    decision = client.post("/v1/decisions", json=body, headers=headers("crm")).json
    logged = client.get(f"/v1/decisions/{decision['decision_id']}", headers=headers("crm")).json
    loyalty = next(e for e in logged["eligible"] if e["offer_id"] == "loyalty")
    assert loyalty["version"] == 2 and loyalty["features"] == {"tier": "gold"}


def test_retired_and_paused_offers_are_not_offered(client, headers):
    assert client.delete("/v1/offers/loyalty", headers=headers("marketer")).json["status"] == (
        "retired"
    )
    client.patch("/v1/offers/device_upgrade", json={"status": "paused"},
                 headers=headers("marketer"))  # fmt: skip
    body = {"customer_id": "c", "churn_score": 0.5, "context": {"tenure_months": 40}}
    ranking = client.post("/v1/decisions", json=body, headers=headers("crm")).json["ranking"]
    assert {r["offer_id"] for r in ranking} == {"no_action", "discount_10"}


def test_offer_outside_its_dates_is_not_offered(client, headers):
    future = {**NEW, "id": "later", "eligibility": {}, "starts_at": "2999-01-01T00:00:00Z"}
    client.post("/v1/offers", json=future, headers=headers("marketer"))
    body = {"customer_id": "c", "churn_score": 0.5}
    ranking = client.post("/v1/decisions", json=body, headers=headers("crm")).json["ranking"]
    assert "later" not in {r["offer_id"] for r in ranking}


def test_contact_cap_stops_repeat_offers_to_one_customer(client, headers):
    capped = {**NEW, "id": "capped", "eligibility": {}, "caps": {"max_per_customer": 1}}
    client.post("/v1/offers", json=capped, headers=headers("marketer"))
    body = {"customer_id": "same", "churn_score": 0.5, "offer_ids": ["capped"]}
    chosen = set()
    for _ in range(30):
        chosen.add(client.post("/v1/decisions", json=body, headers=headers("crm")).json["offer_id"])
        ranking = client.post("/v1/decisions", json=body, headers=headers("crm")).json["ranking"]
        if "capped" in chosen:
            assert {r["offer_id"] for r in ranking} == {"no_action"}
            break
    assert "capped" in chosen


def test_unknown_offer_is_404(client, headers):
    assert client.get("/v1/offers/nope", headers=headers("marketer")).status_code == 404
    assert client.patch("/v1/offers/nope", json={"cost": 1},
                        headers=headers("marketer")).status_code == 404  # fmt: skip
    assert client.delete("/v1/offers/nope", headers=headers("marketer")).status_code == 404


def test_no_action_is_built_in_and_can_be_disabled(settings):
    from api import create_app

    app = create_app(settings.model_copy(update={"no_action_enabled": False}), start_jobs=False)
    runtime = app.extensions["nba"]
    try:
        runtime.catalog.add({"id": "only", "name": "Only", "category": "service"})
        _, key = runtime.keys.create("crm")
        reply = app.test_client().post(
            "/v1/decisions", json={"customer_id": "c", "churn_score": 0.2},
            headers={"Authorization": f"Bearer {key}"},
        )  # fmt: skip
        assert [r["offer_id"] for r in reply.json["ranking"]] == ["only"]
        assert reply.json["probability"] == 1.0
    finally:
        runtime.close()


def test_nothing_eligible_is_422(settings):
    from api import create_app

    app = create_app(settings.model_copy(update={"no_action_enabled": False}), start_jobs=False)
    runtime = app.extensions["nba"]
    try:
        _, key = runtime.keys.create("crm")
        reply = app.test_client().post(
            "/v1/decisions", json={"customer_id": "c", "churn_score": 0.2},
            headers={"Authorization": f"Bearer {key}"},
        )  # fmt: skip
        assert reply.status_code == 422
        assert reply.json["error"]["code"] == "no_eligible_offer"
    finally:
        runtime.close()


def test_offer_stats_count_shows_and_accepts_with_an_interval(client, headers):
    body = {"customer_id": "c", "churn_score": 0.8, "offer_ids": ["device_upgrade"]}
    accepted = 0
    for i in range(40):
        decision = client.post("/v1/decisions", json=body, headers=headers("crm")).json
        if decision["offer_id"] == "device_upgrade":
            outcome = {"accepted": i % 2 == 0}
            accepted += outcome["accepted"]
            client.post(f"/v1/decisions/{decision['decision_id']}/outcome", json=outcome,
                        headers=headers("crm"))  # fmt: skip
    stats = client.get("/v1/offers/device_upgrade/stats", headers=headers("analyst")).json
    overall = stats["overall"]
    assert overall["shows"] == overall["answered"] > 0
    assert overall["accepts"] == accepted
    assert overall["ci_low"] <= overall["rate"] <= overall["ci_high"]
    assert stats["by_churn_band"]["high"]["shows"] == overall["shows"]
    assert stats["by_churn_band"]["low"]["rate"] is None
    assert sum(d["shows"] for d in stats["by_day"].values()) == overall["shows"]
