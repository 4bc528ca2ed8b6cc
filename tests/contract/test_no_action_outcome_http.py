"""An outcome for `no_action` teaches nothing good about doing nothing, and the reply says why."""

from __future__ import annotations

import pytest

DECISION = {"customer_id": "c1", "churn_score": 0.5, "context": {"tenure_months": 40}}


def _decide(client, headers, **extra) -> dict:
    reply = client.post("/v1/decisions", json={**DECISION, **extra}, headers=headers("crm"))
    assert reply.status_code == 200, reply.json
    return reply.json


def _report(client, headers, decision_id: str, body: dict) -> dict:
    reply = client.post(f"/v1/decisions/{decision_id}/outcome", json=body, headers=headers("crm"))
    assert reply.status_code == 200, reply.json
    return reply.json


def test_an_accepted_no_action_is_stored_as_reported_but_learned_as_zero(client, headers):
    decision = _decide(client, headers, offer_ids=["no_action"])
    assert decision["offer_id"] == "no_action"
    outcome = _report(client, headers, decision["decision_id"], {"accepted": True, "value": 40})
    assert outcome["accepted"] is True and outcome["reward"] == 0.0
    assert outcome["offer_id"] == "no_action" and outcome["repeated"] is False
    assert "nothing to accept" in outcome["reason"] and "reward 0" in outcome["reason"]
    stored = client.get(f"/v1/decisions/{decision['decision_id']}", headers=headers("crm"))
    assert stored.json["outcome"]["reward"] == 0.0


def test_an_accepted_offer_says_its_reward_and_a_repeat_says_nothing_changed(client, headers):
    decision = _decide(client, headers, offer_ids=["loyalty"])
    while decision["offer_id"] == "no_action":  # the policy explores: ask again
        decision = _decide(client, headers, offer_ids=["loyalty"])
    first = _report(client, headers, decision["decision_id"], {"accepted": True})
    assert first["reward"] == 1.0 and first["repeated"] is False
    assert first["reason"] == "loyalty accepted: reward 1 (reward mode acceptance)"
    again = _report(client, headers, decision["decision_id"], {"accepted": True})
    assert again["repeated"] is True and again["reward"] == 1.0


@pytest.mark.parametrize("accepted", [True, False])
def test_a_declined_or_accepted_no_action_reads_the_same_to_the_learner(client, headers, accepted):
    decision = _decide(client, headers, offer_ids=["no_action"])
    outcome = _report(client, headers, decision["decision_id"], {"accepted": accepted})
    assert outcome["reward"] == 0.0
