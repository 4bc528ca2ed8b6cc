"""The What-if page in a real browser on a live `nba serve` (which loads the simulator): a
marketer starts a run from the example catalogue and reads the changes and their charts."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, drawn_chart_titles, screenshot, sign_in


def test_a_marketer_runs_the_example_catalogue_and_reads_the_report(
    page: Page, console: Console
) -> None:
    sign_in(page, console, "marketer")
    page.click("header.top nav >> text=What-if")
    expect(page.locator("h1")).to_have_text("What-if before launch")
    page.fill("#seeds", "1")
    page.click("text=Start the run")
    expect(page.locator("#seeds-error")).to_contain_text("from 2 to 10")
    page.fill("#seeds", "3")
    page.fill("#steps", "3000")
    page.fill("#population", "5000")
    page.click("text=Start the run")
    page.wait_for_url(f"{console.url}/ui/what-if/*")
    expect(page.locator("#status .badge")).to_have_text("done", timeout=60_000)
    expect(page.locator("table.what-if tbody tr")).to_have_count(4)
    assert drawn_chart_titles(page) == [
        "Change in accepts per run (95% interval)",
        "Change in money per run (95% interval)",
        "Accepts per offer per run",
    ]
    screenshot(page, "what-if-report")
