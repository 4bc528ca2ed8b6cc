"""Sign-in, the session cookie, role-filtered navigation and sign-out in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, screenshot, sign_in


def test_root_leads_to_sign_in_and_a_wrong_key_is_refused(page: Page, console: Console) -> None:
    page.goto(console.url + "/")
    expect(page).to_have_url(f"{console.url}/ui/sign-in?next=/ui/")
    page.fill("#api_key", "nba_not-a-real-key")
    page.click("button[type=submit]")
    expect(page.locator("#api_key-error")).to_contain_text("not valid")
    screenshot(page, "sign-in-error")


def test_signed_in_session_cookie_is_httponly_and_samesite(page: Page, console: Console) -> None:
    sign_in(page, console, "marketer")
    expect(page.locator("header.top")).to_contain_text("marketer")
    cookie = next(c for c in page.context.cookies() if c["name"] == "nba_console")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert console.keys["marketer"] not in cookie["value"]
    screenshot(page, "home-marketer")


def test_sign_out_ends_the_session(page: Page, console: Console) -> None:
    sign_in(page, console, "analyst")
    page.click("text=Sign out")
    expect(page).to_have_url(f"{console.url}/ui/sign-in")
    page.goto(console.ui("/"))
    expect(page).to_have_url(f"{console.url}/ui/sign-in?next=/ui/")
