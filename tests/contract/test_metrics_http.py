"""/metrics: one Content-Type with one charset, and each offer's shows and accepts."""

from __future__ import annotations

import re

DECISION = {"customer_id": "c1", "churn_score": 0.5, "context": {"tenure_months": 40}}


def _counts(client, name: str) -> dict[str, float]:
    text = client.get("/metrics").get_data(as_text=True)
    pattern = rf'^{name}{{offer_id="([^"]+)"}} (\S+)$'
    return {offer: float(value) for offer, value in re.findall(pattern, text, re.M)}


def test_metrics_name_one_charset(client):
    reply = client.get("/metrics")
    content_type = reply.headers["Content-Type"]
    assert content_type.lower().count("charset") == 1, content_type
    assert content_type.startswith("text/plain; version=")


def test_metrics_count_each_offers_shows_and_accepts(client, headers):
    chosen = []
    for i in range(5):
        body = {**DECISION, "customer_id": f"c{i}"}
        reply = client.post("/v1/decisions", json=body, headers=headers("crm"))
        chosen.append(reply.json)
    first, second = chosen[0], chosen[1]
    for decision, accepted in ((first, True), (second, False)):
        outcome = {"accepted": accepted}
        client.post(
            f"/v1/decisions/{decision['decision_id']}/outcome", json=outcome, headers=headers("crm")
        )
    shows = _counts(client, "nba_offer_shows_total")
    assert sum(shows.values()) == 5
    for offer_id in {d["offer_id"] for d in chosen}:
        assert shows[offer_id] == sum(d["offer_id"] == offer_id for d in chosen)
    assert _counts(client, "nba_offer_accepts_total") == {first["offer_id"]: 1.0}
