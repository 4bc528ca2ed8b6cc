"""Models and Evaluations in a real browser: an analyst evaluates after some traffic and reads
the verdict; a marketer can neither see nor open the models page; an admin trains a version."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, drawn_chart_titles, screenshot, sign_in
from tests.conftest import SAMPLE_OFFERS

DECISIONS = 150


def _bearer(console: Console, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {console.keys[role]}"}


@pytest.fixture(scope="module")
def traffic(console: Console) -> int:
    """The sample offers, then DECISIONS decisions with outcomes, all through the HTTP API."""
    with requests.Session() as http:
        for offer in SAMPLE_OFFERS:
            reply = http.post(f"{console.url}/v1/offers", json=offer,
                              headers=_bearer(console, "marketer"), timeout=30)  # fmt: skip
            assert reply.status_code == 201, reply.text
        batch = [
            {"customer_id": f"c{i}", "churn_score": (i % 10) / 10,
             "context": {"tenure_months": i % 40}}
            for i in range(DECISIONS)
        ]  # fmt: skip
        reply = http.post(f"{console.url}/v1/decisions/batch", json={"requests": batch},
                          headers=_bearer(console, "crm"), timeout=60)  # fmt: skip
        assert reply.status_code == 200, reply.text
        for decision in reply.json()["decisions"]:
            accepted = decision["offer_id"] == "device_upgrade"
            answer = http.post(f"{console.url}/v1/decisions/{decision['decision_id']}/outcome",
                               json={"accepted": accepted}, headers=_bearer(console, "crm"),
                               timeout=30)  # fmt: skip
            assert answer.status_code == 200, answer.text
    return DECISIONS


def test_an_analyst_evaluates_from_the_form_and_reads_the_verdict(
    page: Page, console: Console, traffic: int
) -> None:
    sign_in(page, console, "analyst")
    page.click("header.top nav >> text=Evaluations")
    expect(page.locator("h1")).to_have_text("Evaluations")
    page.uncheck("input[name=candidates][value=random]")
    page.uncheck("input[name=candidates][value=rules]")
    page.click("text=Start the evaluation")
    expect(page.locator("#candidates-error")).to_have_text("Choose at least one candidate.")
    screenshot(page, "evaluations-form-error")
    page.check("input[name=candidates][value=random]")
    page.check("input[name=candidates][value=rules]")
    page.click("text=Start the evaluation")
    page.wait_for_url(f"{console.url}/ui/evaluations/*")
    verdict = page.locator("#verdict .headline")
    expect(verdict).to_be_visible(timeout=90_000)  # the page reloads itself until it is done
    text = verdict.inner_text()
    assert "per 1,000 decisions" in text or text == "Not enough evidence to choose a candidate."
    expect(page.locator("#status")).to_contain_text("done")
    expect(page.locator("#verdict")).to_contain_text(f"of {traffic} decisions")
    screenshot(page, "evaluation-report")


def test_a_marketer_neither_sees_nor_reaches_the_models_page(page: Page, console: Console) -> None:
    sign_in(page, console, "marketer")
    expect(page.locator("header.top nav")).not_to_contain_text("Models")
    expect(page.locator("header.top nav")).not_to_contain_text("Evaluations")
    reply = page.goto(console.ui("/models"))
    assert reply is not None and reply.status == 403
    expect(page.locator(".error")).to_contain_text("may not open this page")
    screenshot(page, "models-marketer-403")


def test_an_admin_trains_a_version_and_sees_it_judged(
    page: Page, console: Console, traffic: int
) -> None:
    sign_in(page, console, "admin")
    page.click("header.top nav >> text=Models")
    page.click("text=Train now")
    expect(page.locator(".flash")).to_contain_text("Saved version 1: it learned")
    row = page.locator("#version-1")
    expect(row).to_contain_text("active")
    expect(row).to_contain_text("estimated acceptance rate")
    assert drawn_chart_titles(page) == ["Off-policy estimate of each version, with 95% intervals"]
    screenshot(page, "models-admin")
    page.click("text=Train now")
    expect(page.locator(".flash")).to_contain_text("Nothing to learn")
