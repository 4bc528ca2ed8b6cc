"""The console and budgets: the catalog shows what decisions hold reserved, and the offer form
keeps per-day budgets through an edit."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from nba.runtime import Runtime
from nba.serving.inputs import DecisionRequest
from tests.console.test_console_offers import form_values

Client = Callable[[str], FlaskClient]


def test_the_catalog_shows_the_reserved_accepts_beside_the_spend(
    console_client: Client, runtime: Runtime
) -> None:
    runtime.catalog.edit("device_upgrade", {"caps": {"budget_accepts": 50}})
    chosen = sum(
        runtime.decider.decide(DecisionRequest(f"r{i}", 0.2, offer_ids=("device_upgrade",)))
        .decision.chosen == "device_upgrade"
        for i in range(8)
    )  # fmt: skip
    assert chosen > 0
    html = console_client("marketer").get("/ui/offers").get_data(as_text=True)
    assert f"0 of 50 accepts <small>(+{chosen} reserved)</small>" in html


def test_an_edit_in_the_form_keeps_the_per_day_budgets(
    console_client: Client, runtime: Runtime
) -> None:
    runtime.catalog.edit(
        "loyalty", {"caps": {"budget_accepts_per_day": 7, "budget_money_per_day": 70.0}}
    )
    client = console_client("marketer")
    values = form_values(client.get("/ui/offers/loyalty/edit").get_data(as_text=True))
    assert (values["budget_accepts_per_day"], values["budget_money_per_day"]) == ("7", "70")
    reply = client.post("/ui/offers/loyalty/edit", data={**values, "name": "Loyalty club"})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    edited = runtime.catalog.get("loyalty")
    assert edited.name == "Loyalty club"
    assert (edited.caps.budget_accepts_per_day, edited.caps.budget_money_per_day) == (7, 70.0)
