"""HTTP contract of the CRM endpoints: decisions, batch, outcomes, look-up."""

from __future__ import annotations

import numpy as np
import pytest

from nba.domain import FeedbackKind, FeedbackReport
from nba.serving.inputs import DecisionRequest

BODY = {
    "customer_id": "c-1",
    "churn_score": 0.7,
    "context": {"plan": "gold", "tenure_months": 30, "monthly_charges": 80.5},
    "channel": "call_centre",
}


def decide(client, headers, body=None):
    reply = client.post("/v1/decisions", json=body or BODY, headers=headers("crm"))
    assert reply.status_code == 200, reply.json
    return reply.json


def test_decision_reply_has_the_design_fields(client, headers):
    reply = decide(client, headers)
    assert set(reply) >= {"decision_id", "offer_id", "probability", "ranking", "policy"}
    ids = [r["offer_id"] for r in reply["ranking"]]
    assert set(ids) == {"no_action", "discount_10", "device_upgrade", "loyalty"}
    assert sum(r["probability"] for r in reply["ranking"]) == pytest.approx(1.0)
    chosen = next(r for r in reply["ranking"] if r["offer_id"] == reply["offer_id"])
    assert chosen["probability"] == reply["probability"] > 0
    assert reply["policy"]["name"] == "vw"


def test_logged_decision_matches_the_reply(client, headers):
    reply = decide(client, headers)
    logged = client.get(f"/v1/decisions/{reply['decision_id']}", headers=headers("analyst")).json
    assert logged["offer_id"] == reply["offer_id"]
    assert logged["propensity"] == reply["probability"]
    assert logged["context"] == BODY["context"]
    assert logged["churn_score"] == BODY["churn_score"]
    assert logged["channel"] == "call_centre"
    pairs = zip(logged["eligible"], logged["probabilities"], strict=True)
    by_id = {e["offer_id"]: p for e, p in pairs}
    assert by_id == {r["offer_id"]: r["probability"] for r in reply["ranking"]}
    assert all(e["version"] == 1 for e in logged["eligible"])
    discount = next(e for e in logged["eligible"] if e["offer_id"] == "discount_10")
    assert discount["features"] == {"discount_pct": 10, "channel": "any"}
    assert logged["outcome"] is None


def test_eligibility_rules_remove_offers(client, headers):
    body = {**BODY, "churn_score": 0.1, "context": {"tenure_months": 3}}
    ids = {r["offer_id"] for r in decide(client, headers, body)["ranking"]}
    assert ids == {"no_action", "device_upgrade"}


def test_the_logged_decision_says_why_each_left_out_offer_was_not_eligible(client, headers):
    body = {**BODY, "churn_score": 0.1, "context": {"tenure_months": 3}}
    reply = decide(client, headers, body)
    logged = client.get(f"/v1/decisions/{reply['decision_id']}", headers=headers("crm")).json
    reasons = {e["offer_id"]: e["reason"] for e in logged["excluded"]}
    assert reasons == {
        "discount_10": "churn score: 0.1 is outside the offer's range [0.3, 1]",
        "loyalty": "condition: tenure_months ≥ 12 fails (it is 3)",
    }


def test_offer_ids_restrict_the_choice_and_keep_no_action(client, headers):
    body = {**BODY, "offer_ids": ["device_upgrade"]}
    ids = {r["offer_id"] for r in decide(client, headers, body)["ranking"]}
    assert ids == {"no_action", "device_upgrade"}


def test_unknown_offer_id_is_404_and_nothing_is_logged(client, headers, runtime):
    body = {**BODY, "offer_ids": ["nope"]}
    reply = client.post("/v1/decisions", json=body, headers=headers("crm"))
    assert reply.status_code == 404
    assert reply.json["error"]["code"] == "not_found"
    assert _decision_count(runtime) == 0


def test_explain_before_anything_is_learned_gives_no_reasons_and_a_note(client, headers):
    reply = decide(client, headers, {**BODY, "explain": True})
    assert reply["reasons"] == []
    assert isinstance(reply["explain_note"], str) and reply["explain_note"]


def test_explain_after_learning_gives_weighted_features_and_no_note(client, headers):
    for i in range(5):
        learned = decide(client, headers, {**BODY, "customer_id": f"learned-{i}"})
        url = f"/v1/decisions/{learned['decision_id']}/outcome"
        assert client.post(url, json={"accepted": True}, headers=headers("crm")).status_code == 200
    reply = decide(client, headers, {**BODY, "explain": True})
    assert "explain_note" not in reply and reply["reasons"]
    for reason in reply["reasons"]:
        assert isinstance(reason["feature"], str) and reason["feature"]
        assert isinstance(reason["weight"], float) and reason["weight"] != 0.0
        assert reason["source"] in ("context", "churn_score", "offer")


def _learn_tenure(runtime, n: int) -> None:
    """Customers of long tenure accept loyalty; nobody accepts anything else (through the
    services: the HTTP path of these tests checks every reply and is ~20x slower)."""
    rng = np.random.default_rng(5)
    for i in range(n):
        tenure = int(rng.integers(12, 61))
        request = DecisionRequest(f"t-{i}", 0.5, (("tenure_months", tenure),))
        decision = runtime.decider.decide(request).decision
        accepted = decision.chosen == "loyalty" and tenure >= 36
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, accepted))


LONG_TENURE = {"customer_id": "x", "churn_score": 0.5, "context": {"tenure_months": 50}}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # learning, not storage
def test_explained_reasons_name_the_customers_fields_and_scores_estimate_the_reward(
    client, headers, runtime
):
    _learn_tenure(runtime, 150)
    reply = decide(client, headers, {**LONG_TENURE, "explain": True})
    assert reply["offer_id"] == "loyalty"
    top = reply["reasons"][0]
    assert (top["feature"], top["source"], top["value"]) == ("tenure_months", "context", 50)
    assert top["weight"] > 0
    assert not any("Constant" in r["feature"] or "=" in r["feature"] for r in reply["reasons"])
    ranking = reply["ranking"]
    assert all(0.0 <= r["score"] <= 1.0 for r in ranking)
    assert [r["score"] for r in ranking] != [r["probability"] for r in ranking]
    assert max(ranking, key=lambda r: r["score"])["offer_id"] == "loyalty"


def test_batch_decides_each_request_in_order(client, headers, runtime):
    narrow = {"churn_score": 0.1, "context": {"tenure_months": 3}}  # two eligible offers, not four
    requests = [
        {**BODY, "customer_id": f"c-{i}", **(narrow if i in (1, 2) else {})} for i in range(5)
    ]
    reply = client.post("/v1/decisions/batch", json={"requests": requests}, headers=headers("crm"))
    assert reply.status_code == 200
    decisions = reply.json["decisions"]
    assert [len(d["ranking"]) for d in decisions] == [4, 2, 2, 4, 4]
    logged = [
        client.get(f"/v1/decisions/{d['decision_id']}", headers=headers("analyst")).json
        for d in decisions
    ]
    assert [row["customer_id"] for row in logged] == [f"c-{i}" for i in range(5)]
    assert _decision_count(runtime) == 5


def test_batch_with_one_bad_request_writes_nothing(client, headers, runtime):
    requests = [BODY, {**BODY, "churn_score": 2.0}]
    reply = client.post("/v1/decisions/batch", json={"requests": requests}, headers=headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "requests.1.churn_score"
    assert _decision_count(runtime) == 0


def test_outcome_is_recorded_and_shown(client, headers):
    decision = decide(client, headers)
    url = f"/v1/decisions/{decision['decision_id']}/outcome"
    reply = client.post(url, json={"accepted": True, "value": 12.5}, headers=headers("crm"))
    assert reply.status_code == 200
    assert reply.json["accepted"] is True and reply.json["reward"] == 1.0
    logged = client.get(f"/v1/decisions/{decision['decision_id']}", headers=headers("crm")).json
    assert logged["outcome"]["accepted"] is True
    assert logged["outcome"]["value"] == 12.5


def test_same_outcome_twice_is_200_and_learned_once(client, headers, runtime):
    decision = decide(client, headers)
    url = f"/v1/decisions/{decision['decision_id']}/outcome"
    first = client.post(url, json={"accepted": True}, headers=headers("crm"))
    assert runtime.learner.drain(10)
    learned = runtime.keeper.pending
    second = client.post(url, json={"accepted": True}, headers=headers("crm"))
    assert runtime.learner.drain(10)
    assert first.status_code == second.status_code == 200
    assert (first.json["repeated"], second.json["repeated"]) == (False, True)
    assert {**first.json, "repeated": True} == second.json
    assert runtime.keeper.pending == learned == 1


def test_different_outcome_for_the_same_decision_is_409(client, headers):
    decision = decide(client, headers)
    url = f"/v1/decisions/{decision['decision_id']}/outcome"
    client.post(url, json={"accepted": True}, headers=headers("crm"))
    reply = client.post(url, json={"accepted": False}, headers=headers("crm"))
    assert reply.status_code == 409
    assert reply.json["error"]["code"] == "conflict"


def test_outcome_for_unknown_decision_is_404(client, headers):
    reply = client.post("/v1/decisions/nope/outcome", json={"accepted": True},
                        headers=headers("crm"))  # fmt: skip
    assert reply.status_code == 404


def test_unknown_decision_lookup_is_404(client, headers):
    assert client.get("/v1/decisions/nope", headers=headers("crm")).status_code == 404


def _decision_count(runtime) -> int:
    from nba.storage import count_decisions

    with runtime.database.session() as session:
        return count_decisions(session)


def test_outcome_keeps_when_the_customer_answered(client, headers):
    decision = decide(client, headers)
    url = f"/v1/decisions/{decision['decision_id']}/outcome"
    reply = client.post(url, json={"accepted": False, "ts": "2999-01-01T10:00:00Z"},
                        headers=headers("crm"))  # fmt: skip
    assert reply.json["occurred_at"] == "2999-01-01T10:00:00+00:00"


def test_outcome_answered_before_the_decision_is_400(client, headers):
    decision = decide(client, headers)
    url = f"/v1/decisions/{decision['decision_id']}/outcome"
    reply = client.post(url, json={"accepted": True, "ts": "2001-01-01T00:00:00Z"},
                        headers=headers("crm"))  # fmt: skip
    assert reply.status_code == 400 and reply.json["error"]["details"]["field"] == "ts"
