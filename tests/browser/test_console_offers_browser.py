"""A marketer creates an offer through the form, fixes a problem, pauses it; an analyst reads."""

from __future__ import annotations

import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, screenshot, sign_in
from tests.conftest import SAMPLE_OFFERS


def _offers_and_traffic(console: Console, n: int) -> None:
    """The sample offers (one with a budget), then `n` decisions through the HTTP API: most
    answered, every third answer an accept."""
    marketer = {"Authorization": f"Bearer {console.keys['marketer']}"}
    crm = {"Authorization": f"Bearer {console.keys['crm']}"}
    with requests.Session() as http:
        for spec in SAMPLE_OFFERS:
            budgeted = {**spec, "caps": {"budget_money": 150.0}} if spec["cost"] == 40.0 else spec
            http.post(f"{console.url}/v1/offers", json=budgeted, headers=marketer)
        for i in range(n):
            context = {"plan": "gold", "tenure_months": 6 + i % 30}
            body = {"customer_id": f"b{i}", "churn_score": (i % 10) / 10, "context": context}
            decision = http.post(f"{console.url}/v1/decisions", json=body, headers=crm).json()
            if i % 7 == 6:
                continue  # no answer yet
            accepted = i % 3 == 0
            http.post(
                f"{console.url}/v1/decisions/{decision['decision_id']}/outcome",
                json={"accepted": accepted},
                headers=crm,
            ).raise_for_status()


def test_a_marketer_creates_fixes_and_pauses_an_offer(page: Page, console: Console) -> None:
    sign_in(page, console, "marketer")
    page.click("nav >> text=Offers")
    page.click("text=New offer")
    page.fill("#id", "spring_bundle")
    page.fill("#name", "Spring data bundle")
    page.select_option("#category", "data_bonus")
    page.fill("#cost", "4")
    page.fill("#feature-0-name", "extra_gb")
    page.fill("#feature-0-value", "10")
    page.click("text=Add a feature row")
    page.fill("#feature-1-name", "channel")
    page.select_option("#feature-1-kind", "text")
    page.fill("#feature-1-value", "app")
    page.fill("#churn_min", "0.6")
    page.fill("#churn_max", "0.2")
    page.fill("#budget_money", "200")
    page.click("text=Create offer")

    error = page.locator("#churn_max-error")
    expect(error).to_contain_text("Highest churn score: must not be below the lowest")
    expect(page.locator("#churn_max")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#feature-1-value")).to_have_value("app")
    screenshot(page, "offers-form-error")

    page.fill("#churn_max", "1")
    page.click("text=Create offer")
    expect(page).to_have_url(console.ui("/offers/spring_bundle"))
    expect(page.locator(".flash")).to_contain_text("created (version 1)")

    page.click("text=Edit")
    page.fill("#cost", "5")
    page.fill("#feature-1-value", "15")
    page.click("text=Save changes")
    expect(page.locator(".flash")).to_contain_text("now at version 2")
    page.click("button:has-text('Pause')")
    expect(page.locator(".flash")).to_contain_text("paused")
    expect(page.locator("h1 .badge")).to_have_text("paused")
    expect(page.locator("#version-3")).to_contain_text("pause")
    expect(page.locator("#version-2")).to_contain_text("Cost per accept")
    screenshot(page, "offers-offer-page")


def test_the_catalog_shows_figures_and_an_analyst_cannot_change_anything(
    page: Page, console: Console
) -> None:
    _offers_and_traffic(console, 30)
    sign_in(page, console, "analyst")
    page.goto(console.ui("/offers"))
    figures = page.locator("#figures-no_action")
    expect(figures).to_contain_text("all time")
    expect(page.locator("text=How to read these figures").first).to_be_visible()
    expect(page.locator("text=New offer")).to_have_count(0)
    screenshot(page, "offers-catalog")
    page.click("#figures-no_action >> text=No action")
    expect(page.locator("#locked")).to_contain_text("is built in")
    expect(page.locator("button:has-text('Pause')")).to_have_count(0)
