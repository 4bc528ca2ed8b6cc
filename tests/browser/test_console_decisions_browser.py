"""Looking a decision up in a real browser: by id and by customer, with its reasons and outcome.

Traffic goes through the live service's HTTP API (`requests`); the browser only reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, screenshot, sign_in
from tests.conftest import SAMPLE_OFFERS


@dataclass(frozen=True)
class Traffic:
    """The decision the tests look up (made with explain, outcome reported) and its reply."""

    decision_id: str
    customer_id: str
    offer_id: str
    reply: dict


def _post(console: Console, role: str, path: str, body: dict) -> dict:
    reply = requests.post(
        f"{console.url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {console.keys[role]}"},
        timeout=10,
    )
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


@pytest.fixture(scope="module")
def traffic(console: Console) -> Iterator[Traffic]:
    """The sample offers and one for basic plans only; 60 customers whose long tenure makes
    them accept loyalty (learned online by the service); then two explained decisions of one
    premium customer, the newer of long tenure, with its outcome."""
    basic_only = {"id": "data_boost", "name": "5 GB data boost", "category": "data_bonus",
                  "eligibility": {"plans": ["basic"]}}  # fmt: skip
    for offer in [*SAMPLE_OFFERS, basic_only]:
        _post(console, "marketer", "/v1/offers", offer)
    rng = np.random.default_rng(3)
    for i in range(60):
        tenure = int(rng.integers(12, 61))
        body = {"customer_id": f"t-{i}", "churn_score": 0.5, "context": {"tenure_months": tenure}}
        made = _post(console, "crm", "/v1/decisions", body)
        accepted = made["offer_id"] == "loyalty" and tenure >= 36
        _post(
            console, "crm", f"/v1/decisions/{made['decision_id']}/outcome", {"accepted": accepted}
        )
    customer = "c-1042"
    for tenure in (14, 50):  # an older decision of the same customer, then the one looked up
        context = {"tenure_months": tenure, "plan": "premium"}
        body = {"customer_id": customer, "churn_score": 0.5, "channel": "inbound_call",
                "context": context, "explain": True}  # fmt: skip
        reply = _post(console, "crm", "/v1/decisions", body)
    _post(console, "crm", f"/v1/decisions/{reply['decision_id']}/outcome",
          {"accepted": True, "value": 40})  # fmt: skip
    yield Traffic(reply["decision_id"], customer, reply["offer_id"], reply)


def test_a_decision_looked_up_by_id_shows_its_reasons_and_outcome(
    page: Page, console: Console, traffic: Traffic
) -> None:
    assert traffic.reply["reasons"], traffic.reply  # the API explained it
    sign_in(page, console, "analyst")
    page.click("header.top nav >> text=Decisions")
    page.fill("#decision_id", traffic.decision_id)
    page.click("text=Open decision")
    expect(page).to_have_url(console.ui(f"/decisions/{traffic.decision_id}"))
    expect(page.locator("h1")).to_contain_text(traffic.decision_id)
    expect(page.locator("#outcome")).to_contain_text("accepted")
    # Recomputed by the live model, which has learned this decision's outcome since: the top
    # reason stands, the small ones may move.
    expect(page.locator("p.basis")).to_contain_text("From the policy that decided")
    top = page.locator("table.reasons tbody tr").first
    expect(top).to_contain_text(traffic.reply["reasons"][0]["feature"])
    expect(top).to_contain_text("customer's context")
    expect(page.locator("table.eligible tr.chosen")).to_contain_text(traffic.offer_id)
    expect(page.locator("table.excluded")).to_contain_text("'premium' is not one of basic")
    expect(page.locator("table.eligible .bar.chance").first).to_be_visible()
    screenshot(page, "decision")


def test_a_customers_decisions_are_listed_and_open(
    page: Page, console: Console, traffic: Traffic
) -> None:
    sign_in(page, console, "marketer")
    page.goto(console.ui("/decisions"))
    page.fill("#customer_id", traffic.customer_id)
    page.click("text=List decisions")
    rows = page.locator("table.decisions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("accepted")  # the newest, whose outcome was reported
    screenshot(page, "decisions-of-a-customer")
    rows.first.locator("a").click()
    expect(page).to_have_url(console.ui(f"/decisions/{traffic.decision_id}"))


def test_an_unknown_id_is_said_next_to_the_field(page: Page, console: Console) -> None:
    sign_in(page, console, "analyst")
    page.goto(console.ui("/decisions?decision_id=no-such-decision"))
    expect(page.locator("#decision_id-error")).to_contain_text("No decision has the id")
    screenshot(page, "decision-not-found")
