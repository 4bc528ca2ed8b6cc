"""Eligibility expressions over HTTP: refused at write time with the position, obeyed by
decisions, which record the rule that left each offer out."""

from __future__ import annotations

import pytest

from nba.domain import Eligibility, Offer
from nba.storage import offers

RULED = {
    "id": "loyal_gold",
    "name": "Gold loyalty",
    "category": "loyalty",
    "eligibility": {"expression": "tenure_months >= 24 and plan in ['gold', 'silver']"},
}

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""For tests of validation and wording, which no database changes."""


def _decide(client, headers, context: dict, channel: str | None = None) -> dict:
    body = {"customer_id": "c1", "churn_score": 0.5, "context": context}
    if channel is not None:
        body["channel"] = channel
    reply = client.post("/v1/decisions", json=body, headers=headers("crm"))
    assert reply.status_code == 200, reply.json
    logged = client.get(f"/v1/decisions/{reply.json['decision_id']}", headers=headers("crm"))
    return logged.json


def _ranked(decision: dict) -> set[str]:
    return {offer["offer_id"] for offer in decision["eligible"]}


def _why(decision: dict, offer_id: str) -> str | None:
    return next((e["reason"] for e in decision.get("excluded", []) if e["offer_id"] == offer_id),
                None)  # fmt: skip


@SQLITE_ONLY
def test_an_expression_is_stored_and_returned(client, headers):
    reply = client.post("/v1/offers", json=RULED, headers=headers("marketer"))
    assert reply.status_code == 201
    assert reply.json["eligibility"]["expression"] == RULED["eligibility"]["expression"]
    assert reply.json["eligibility"]["conditions"] == []


def test_decisions_obey_the_expression_and_record_why_an_offer_was_left_out(client, headers):
    client.post("/v1/offers", json=RULED, headers=headers("marketer"))
    fits = _decide(client, headers, {"tenure_months": 30, "plan": "gold"})
    assert "loyal_gold" in _ranked(fits) and _why(fits, "loyal_gold") is None
    short = _decide(client, headers, {"tenure_months": 3, "plan": "gold"})
    assert "loyal_gold" not in _ranked(short)
    assert _why(short, "loyal_gold") == (
        "expression: tenure_months >= 24 and plan in ['gold', 'silver'] is false"
    )
    missing = _decide(client, headers, {"plan": "gold"})
    assert _why(missing, "loyal_gold") == (
        "expression: cannot be evaluated (tenure_months is missing, plan is 'gold')"
    )


def test_the_structured_rules_still_apply_beside_an_expression(client, headers):
    body = {**RULED, "eligibility": {**RULED["eligibility"], "plans": ["silver"]}}
    client.post("/v1/offers", json=body, headers=headers("marketer"))
    decision = _decide(client, headers, {"tenure_months": 30, "plan": "gold"})
    assert _why(decision, "loyal_gold") == "plan: 'gold' is not one of silver"
    sample = _decide(client, headers, {"tenure_months": 3})
    assert _why(sample, "loyalty") == "condition: tenure_months ≥ 12 fails (it is 3)"


@SQLITE_ONLY
def test_an_expression_sees_the_channel(client, headers):
    body = {**RULED, "eligibility": {"expression": "channel in ['call', 'shop']"}}
    client.post("/v1/offers", json=body, headers=headers("marketer"))
    assert "loyal_gold" in _ranked(_decide(client, headers, {}, channel="call"))
    assert "loyal_gold" not in _ranked(_decide(client, headers, {}, channel="sms"))


@pytest.mark.parametrize(
    "expression, where",
    [
        ("tenure_months >= 24 and", "at line 1, column 24: ends too early"),
        ("tenure_months >> 2", "at line 1, column 15: '>>' is not allowed"),
        ("__import__('os').system('true')", "at line 1, column 17: '.' is not allowed"),
        ("churn_score > 'high'", "at line 1, column 1: data type mismatch"),
    ],
)
@SQLITE_ONLY
def test_a_bad_expression_is_a_400_naming_the_field_with_position_and_reason(
    client, headers, expression, where
):
    body = {**RULED, "eligibility": {"expression": expression}}
    added = client.post("/v1/offers", json=body, headers=headers("marketer"))
    assert added.status_code == 400
    error = added.json["error"]
    assert error["details"]["field"] == "eligibility.expression"
    assert error["message"].startswith(f"eligibility.expression: {where}")
    patch = {"eligibility": {"expression": expression}}
    edited = client.patch("/v1/offers/loyalty", json=patch, headers=headers("marketer"))
    assert edited.status_code == 400
    assert edited.json["error"]["details"]["field"] == "eligibility.expression"
    assert client.get("/v1/offers/loyalty", headers=headers("crm")).json["version"] == 1


def test_a_stored_bad_expression_leaves_only_its_offer_out(client, headers, runtime):
    broken = Offer("broken", "Broken", "loyalty", eligibility=Eligibility(expression="a >"))
    with runtime.database.session() as session:
        offers.add_offer(session, broken)
    decision = _decide(client, headers, {"tenure_months": 30})
    assert "broken" not in _ranked(decision) and "loyalty" in _ranked(decision)
    assert _why(decision, "broken").startswith(
        "unusable: eligibility.expression: at line 1, column 4: ends too early"
    )


def test_the_cli_shows_a_bad_expression_with_its_position(tmp_path):
    from click.testing import CliRunner

    from nba.cli import main

    result = CliRunner().invoke(
        main,
        ["offers", "add", "--id", "x", "--name", "X", "--category", "loyalty",
         "--expression", "plan in ['gold'", "--data-dir", str(tmp_path / "data")],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "eligibility.expression: at line 1, column 16: ends too early" in result.output
