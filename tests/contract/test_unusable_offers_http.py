"""One offer or one value never breaks every decision: a bad write is a 400 naming the field,
and an unusable offer already stored is left out, counted, logged once and recorded."""

from __future__ import annotations

import logging
import re

import pytest

from nba.domain import Caps, Offer
from nba.storage import offers

BAD_OFFERS = {
    "huge_window": (
        Offer(id="huge_window", name="Huge window", category="discount",
              caps=Caps(max_per_customer=1, window_days=1_000_000)),
        {"caps": {"max_per_customer": 1, "window_days": 1_000_000}},
        "caps.window_days",
    ),
    "huger_window": (
        Offer(id="huger_window", name="Huger window", category="discount",
              caps=Caps(max_per_customer=1, window_days=10**12)),
        {"caps": {"max_per_customer": 1, "window_days": 10**12}},
        "caps.window_days",
    ),
    "big_feature": (
        Offer(id="big_feature", name="Big feature", category="data_bonus",
              features=(("x", 2e9),)),
        {"features": {"x": 2e9}},
        "features.x",
    ),
    "reserved_feature": (
        Offer(id="reserved_feature", name="Reserved feature", category="data_bonus",
              features=(("offer", "mine"),)),
        {"features": {"offer": "mine"}},
        "features.offer",
    ),
}  # fmt: skip
DECISION = {"customer_id": "c1", "churn_score": 0.5, "context": {"tenure_months": 40}}


def _store_directly(runtime, offer: Offer) -> None:
    # As an older version or a hand-made SQL row would: past every check of the API.
    with runtime.database.session() as session:
        offers.add_offer(session, offer)


def _unusable_count(client, offer_id: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    found = re.search(rf'^nba_offers_unusable_total{{offer_id="{offer_id}"}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


@pytest.mark.parametrize("name", list(BAD_OFFERS))
def test_a_stored_unusable_offer_is_left_out_counted_and_recorded(
    client, headers, runtime, name, caplog
):
    offer, _, field = BAD_OFFERS[name]
    _store_directly(runtime, offer)
    crm = headers("crm")
    with caplog.at_level(logging.WARNING, logger="nba.serving.decider"):
        replies = [client.post("/v1/decisions", json=DECISION, headers=crm) for _ in range(3)]
        batch = client.post("/v1/decisions/batch", json={"requests": [DECISION] * 2}, headers=crm)
    assert [r.status_code for r in replies] == [200, 200, 200] and batch.status_code == 200
    for decision in [*(r.json for r in replies), *batch.json["decisions"]]:
        ranked = {r["offer_id"] for r in decision["ranking"]}
        assert offer.id not in ranked and {"no_action", "loyalty"} <= ranked
    assert _unusable_count(client, offer.id) == 5
    warnings = [r for r in caplog.records if offer.id in r.getMessage()]
    assert len(warnings) == 1 and field.split(".")[-1] in warnings[0].getMessage()
    logged = client.get(f"/v1/decisions/{replies[0].json['decision_id']}", headers=crm).json
    assert [e["offer_id"] for e in logged["excluded"]] == [offer.id]
    assert logged["excluded"][0]["version"] == 1
    assert logged["excluded"][0]["reason"].startswith("unusable: ")


@pytest.mark.parametrize("name", list(BAD_OFFERS))
def test_writing_an_unusable_value_is_a_400_naming_the_field(client, headers, name):
    offer, values, field = BAD_OFFERS[name]
    marketer = headers("marketer")
    body = {"id": offer.id, "name": offer.name, "category": offer.category, **values}
    added = client.post("/v1/offers", json=body, headers=marketer)
    assert added.status_code == 400 and added.json["error"]["details"]["field"] == field
    edited = client.patch("/v1/offers/loyalty", json=values, headers=marketer)
    assert edited.status_code == 400 and edited.json["error"]["details"]["field"] == field
    reply = client.post("/v1/decisions", json=DECISION, headers=headers("crm"))
    assert reply.status_code == 200


def test_a_decision_without_unusable_offers_records_no_exclusion(client, headers):
    crm = headers("crm")
    decision = client.post("/v1/decisions", json=DECISION, headers=crm).json
    logged = client.get(f"/v1/decisions/{decision['decision_id']}", headers=crm).json
    assert "excluded" not in logged


@pytest.mark.parametrize("value", [2e9, -1e10, 10**12])
def test_a_context_number_the_learner_cannot_take_is_a_400_naming_it(client, headers, value):
    body = {**DECISION, "context": {"tenure_months": 40, "x": value}}
    reply = client.post("/v1/decisions", json=body, headers=headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "context.x"
    batch = client.post("/v1/decisions/batch", json={"requests": [DECISION, body]},
                        headers=headers("crm"))  # fmt: skip
    assert batch.status_code == 400
    assert batch.json["error"]["details"]["field"] == "requests.1.context.x"


def test_a_context_name_the_learner_keeps_for_itself_is_a_400_naming_it(client, headers):
    body = {**DECISION, "context": {"churn": 0.3}}
    reply = client.post("/v1/decisions", json=body, headers=headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "context.churn"


def test_an_unusable_offer_is_logged_again_only_for_a_new_version(client, headers, runtime, caplog):
    offer, _, _ = BAD_OFFERS["big_feature"]
    _store_directly(runtime, offer)
    crm = headers("crm")
    with caplog.at_level(logging.WARNING, logger="nba.serving.decider"):
        for _ in range(2):
            assert client.post("/v1/decisions", json=DECISION, headers=crm).status_code == 200
        with runtime.database.session() as session:
            offers.update_offer(session, offer.id, {"features": (("x", 3e9),)})
        runtime.catalog.ensure_no_action()  # forgets the cached offers, as an edit does
        for _ in range(2):
            assert client.post("/v1/decisions", json=DECISION, headers=crm).status_code == 200
    versions = [r.args[1] for r in caplog.records if offer.id in r.getMessage()]
    assert versions == [1, 2]
    assert _unusable_count(client, offer.id) == 4
