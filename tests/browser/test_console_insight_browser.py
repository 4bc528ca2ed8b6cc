"""The overview and an offer's dashboard in a real browser, after simulated traffic sent
through the HTTP API of the live service."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, drawn_chart_titles, screenshot, sign_in
from tests.conftest import SAMPLE_OFFERS

DECISIONS = 300
OVERVIEW_TITLES = (
    "Decisions and outcomes per day",
    "Acceptance rate per day, every offer",
    "Learned policy against the churn-band rules and random",
)
DASHBOARD_TITLES = (
    "Shows, outcomes and accepts per day",
    "Acceptance rate per day",
    "Spend to date against the budget",
    "Acceptance rate by churn band",
    "Acceptance rate by channel",
    "The learner's share of traffic for this offer",
)


@pytest.fixture(scope="module")
def traffic(console: Console) -> int:
    """The sample offers (discount_10 with a money budget), 300 decisions of random customers
    in one batch, an outcome for four in five of them, then a model version trained now."""
    http = requests.Session()

    def as_role(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {console.keys[role]}"}

    for spec in SAMPLE_OFFERS:
        body = {**spec, "caps": {"budget_money": 600.0}} if spec["id"] == "discount_10" else spec
        reply = http.post(f"{console.url}/v1/offers", json=body, headers=as_role("marketer"))
        assert reply.status_code == 201, reply.text
    rng = np.random.default_rng(13)
    requests_ = [
        {
            "customer_id": f"c{i}",
            "churn_score": round(float(rng.random()), 3),
            "channel": ["app", "call", "web"][int(rng.integers(3))],
            "context": {
                "plan": ["basic", "silver", "gold"][int(rng.integers(3))],
                "tenure_months": int(rng.integers(1, 60)),
                "region": ["north", "south"][int(rng.integers(2))],
            },
        }
        for i in range(DECISIONS)
    ]
    reply = http.post(f"{console.url}/v1/decisions/batch", json={"requests": requests_},
                      headers=as_role("crm"), timeout=60)  # fmt: skip
    assert reply.status_code == 200, reply.text
    outcomes = []
    for request, decision in zip(requests_, reply.json()["decisions"], strict=True):
        if rng.random() < 0.2:
            continue
        # Discounts win the customers at risk; the rest accept now and then; nothing offered
        # (no_action) is nothing accepted.
        likely = {"discount_10": 0.6, "no_action": 0.0}.get(decision["offer_id"], 0.2)
        accepted = bool(rng.random() < likely * (0.5 + request["churn_score"]))
        outcomes.append((decision["decision_id"], accepted))

    def report(outcome: tuple[str, bool]) -> int:
        url = f"{console.url}/v1/decisions/{outcome[0]}/outcome"
        return requests.post(url, json={"accepted": outcome[1]}, headers=as_role("crm")).status_code

    with ThreadPoolExecutor(4) as pool:  # the service's threads overlap the round trips
        assert set(pool.map(report, outcomes)) == {200}
    trained = http.post(f"{console.url}/v1/models/train", headers=as_role("admin"), timeout=60)
    assert trained.status_code in (200, 201), trained.text
    return DECISIONS


def _reload_until(page: Page, text: str, timeout_s: float = 20) -> None:
    """Reload until the page shows `text` (the background jobs run every second or two)."""
    for _ in range(int(timeout_s * 2)):
        if text in page.content():
            return
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator("main")).to_contain_text(text)


def test_the_overview_after_traffic_shows_its_charts(
    page: Page, console: Console, traffic: int
) -> None:
    sign_in(page, console, "analyst")
    expect(page.locator("header.top nav a").first).to_have_text("Overview")
    page.click("header.top nav >> text=Overview")
    expect(page).to_have_url(re.compile(r"/ui/overview$"))
    _reload_until(page, f'<span class="figure">{traffic}</span> decisions')
    _reload_until(page, "learned policy (active model version)")
    assert sorted(drawn_chart_titles(page)) == sorted(OVERVIEW_TITLES)
    expect(page.locator("table.comparison")).to_contain_text("churn-band rules")
    screenshot(page, "overview")


def test_an_offer_dashboard_after_traffic_shows_its_charts(
    page: Page, console: Console, traffic: int
) -> None:
    sign_in(page, console, "marketer")
    page.goto(console.ui("/overview"))
    _reload_until(page, f'<span class="figure">{traffic}</span> decisions')
    page.click("table.offers >> text=10% bill discount")
    expect(page).to_have_url(re.compile(r"/ui/offers/discount_10/dashboard\?days=30$"))
    expect(page.locator("h1")).to_contain_text("10% bill discount")
    assert sorted(drawn_chart_titles(page)) == sorted(DASHBOARD_TITLES)
    expect(page.locator("main")).to_contain_text("of a budget of 600.00")
    expect(page.locator("table.profile").first).to_be_visible()
    screenshot(page, "offer-dashboard")
