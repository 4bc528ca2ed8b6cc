"""The Uplift page: the chart of each offer's uplift per band with error bars, the table with
verdicts in words and acceptance beside them, and the guard's flags; roles as the API's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest

from nba.config import Settings
from nba.runtime import Runtime, build_runtime
from nba.uplift.data import retention_log
from nba.uplift.report import build_report
from tests.console.conftest import chart_specs
from tests.databases import SQLITE_ONLY
from tests.uplift_world import CATALOG, simulate, store_world, world_frame

pytestmark = SQLITE_ONLY


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    built = build_runtime(settings.model_copy(update={"uplift_min_ess": 20}))
    for spec in CATALOG:
        built.catalog.add(spec)
    yield built
    built.close()


def test_the_page_draws_the_uplift_with_error_bars_and_explains_each_row(console_client, runtime):
    store_world(runtime.database, simulate(600, np.random.default_rng(6)))
    reply = console_client("marketer").get("/ui/uplift?days=all")
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    (spec,) = chart_specs(html)
    assert spec["title"] == "Uplift over no action, per offer and churn band"
    assert spec["categories"] == ["discount", "loyalty", "upsell"]
    assert [s["name"] for s in spec["series"]] == ["low churn", "medium churn", "high churn"]
    assert all(s["errors"] is not None for s in spec["series"])
    assert 'id="uplift-upsell-low"' in html and "% of " in html
    assert "effective sample size" in html and "The uplift guard is off" in html


def test_by_default_the_page_shows_the_guards_stored_report_and_its_flags(console_client, runtime):
    log_rng, model_rng = np.random.default_rng(3).spawn(2)
    frame = world_frame(simulate(8000, log_rng))
    log = retention_log(frame, "retention_value", 100.0)
    now = datetime(2026, 7, 1, tzinfo=UTC)
    runtime.uplift.store(build_report(log, reward="retention_value", computed_at=now,
                                      rng=model_rng))  # fmt: skip
    client = console_client("analyst")
    html = client.get("/ui/uplift").get_data(as_text=True)
    assert "<strong>upsell</strong> in the low band: uplift guard:" in html
    assert "The table below is that report, computed 2026-07-01 00:00 UTC" in html
    assert 'id="uplift-upsell-low"' in html and len(chart_specs(html)) == 1
    window = client.get("/ui/uplift?days=90").get_data(as_text=True)  # estimated now
    assert "No decision in this window has a retention answer" in window


def test_a_bad_window_is_refused_and_a_crm_key_may_not_open_the_page(console_client):
    assert console_client("analyst").get("/ui/uplift?days=soon").status_code == 400
    assert console_client("crm").get("/ui/uplift").status_code == 403
