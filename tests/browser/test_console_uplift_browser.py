"""The Uplift page in a real browser: the chart of each offer's uplift per churn band with its
error bars is drawn, beside the table of verdicts."""

from __future__ import annotations

import numpy as np
from playwright.sync_api import Page, expect

from nba.domain import Offer
from nba.storage import Database, add_offer
from tests.browser.conftest import Console, drawn_chart_titles, screenshot, sign_in
from tests.uplift_world import CATALOG, simulate, store_world


def test_the_uplift_page_draws_its_chart(page: Page, console: Console) -> None:
    database = Database(console.database_url)
    try:
        with database.session() as session:
            for spec in CATALOG:
                add_offer(session, Offer(spec["id"], spec["name"], spec["category"],
                                         cost=spec["cost"]))  # fmt: skip
        store_world(database, simulate(3000, np.random.default_rng(5)))
    finally:
        database.dispose()
    sign_in(page, console, "analyst")
    page.goto(console.ui("/uplift?days=all"))
    assert drawn_chart_titles(page) == ["Uplift over no action, per offer and churn band"]
    expect(page.locator("#uplift-upsell-low")).to_contain_text("sleeping dog")
    expect(page.locator("#guard")).to_contain_text("The uplift guard is off")
    screenshot(page, "console-uplift")
