"""Budgets over HTTP and the CLI: an offer's stats show each budget's limit, reserved and
consumed; a per-day budget is validated like the totals."""

from __future__ import annotations

from click.testing import CliRunner

from nba.cli import main

BUDGETED = {"id": "budgeted", "name": "Budgeted", "category": "discount", "cost": 8.0,
            "caps": {"budget_accepts": 5, "budget_money_per_day": 100.0}}  # fmt: skip


def _budgets(client, headers) -> list[tuple[str, str, float, float, float]]:
    reply = client.get("/v1/offers/budgeted/stats", headers=headers("analyst"))
    assert reply.status_code == 200, reply.json
    return [
        (b["unit"], b["period"], b["limit"], b["reserved"], b["consumed"])
        for b in reply.json["budgets"]
    ]


def test_the_stats_show_what_decisions_reserved_and_accepts_consumed(client, headers):
    assert client.post("/v1/offers", json=BUDGETED, headers=headers("marketer")).status_code == 201
    decided = []
    for i in range(20):
        body = {"customer_id": f"c{i}", "churn_score": 0.5, "offer_ids": ["budgeted"]}
        reply = client.post("/v1/decisions", json=body, headers=headers("crm"))
        if reply.json["offer_id"] == "budgeted":
            decided.append(reply.json["decision_id"])
        if len(decided) == 2:
            break
    assert _budgets(client, headers) == [
        ("accepts", "total", 5.0, 2.0, 0.0),
        ("money", "day", 100.0, 16.0, 0.0),
    ]
    outcome = client.post(f"/v1/decisions/{decided[0]}/outcome", json={"accepted": True},
                          headers=headers("crm"))  # fmt: skip
    assert outcome.status_code in (200, 201)
    assert _budgets(client, headers) == [
        ("accepts", "total", 5.0, 1.0, 1.0),
        ("money", "day", 100.0, 8.0, 8.0),
    ]


def test_the_cli_prints_the_budgets_under_the_stats(runtime, client, headers):
    assert client.post("/v1/offers", json=BUDGETED, headers=headers("marketer")).status_code == 201
    url = runtime.settings.database.resolved_url
    result = CliRunner().invoke(main, ["offers", "stats", "budgeted", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "budget accepts total: 0 consumed + 0 reserved of 5 (5 left)" in result.stdout
    assert "budget money today: 0 consumed + 0 reserved of 100 (100 left)" in result.stdout


def test_a_negative_per_day_budget_is_400_naming_the_field(client, headers):
    body = {**BUDGETED, "caps": {"budget_accepts_per_day": -1}}
    reply = client.post("/v1/offers", json=body, headers=headers("marketer"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "caps.budget_accepts_per_day"
