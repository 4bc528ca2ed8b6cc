"""/docs in a real browser: Swagger UI renders the document, takes a key, and tries a call."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, screenshot


def test_docs_authorize_with_a_key_and_try_a_decision(page: Page, console: Console) -> None:
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((console.url, "data:")) else elsewhere.append(r.url),
    )
    page.goto(f"{console.url}/docs")
    decide = page.locator(".opblock-post", has=page.locator('[data-path="/v1/decisions"]'))
    expect(decide).to_be_visible()
    expect(page.locator(".info .title")).to_contain_text("nba: next best action")
    page.click(".auth-wrapper .authorize")
    page.fill(".auth-container input", console.keys["crm"])
    page.click(".auth-btn-wrapper .authorize")
    page.click(".auth-btn-wrapper .btn-done")
    decide.locator(".opblock-summary").first.click()
    body = decide.locator("textarea.body-param__text")
    decide.locator(".try-out__btn").click()
    expect(body).to_contain_text('"customer_id": "c-1042"')  # the example, ready to send
    decide.locator(".execute").click()
    status = decide.locator(".live-responses-table tr.response .response-col_status").first
    expect(status).to_have_text("200")
    expect(decide.locator(".live-responses-table .microlight").first).to_contain_text("decision_id")
    screenshot(page, "docs-try-it-decision")
    assert elsewhere == []  # nothing from a CDN or a validator
