"""An offer's dashboard: figures by day, churn band and channel with Wilson intervals, spend
costed at the version decided against the budget, its share of traffic, the customers it
wins, its charts, and who may open it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient

from nba.config import Settings
from nba.evaluation.summaries import MAX_VALUES, OTHER
from nba.runtime import Runtime
from nba.storage.summaries import context_totals
from tests.console.conftest import chart_specs, chart_titles
from tests.console.insight_log import (
    Row,
    SetClock,
    day,
    insight_runtime,
    log_rows,
    rate_text,
    wilson_by_roots,
)

KNOWN = [
    # discount_10 on day 0: high band app (accepted), high band call (declined), low band
    # without channel (no outcome yet); loyalty and no_action share the day.
    Row("discount_10", 0, 0.7, "app", 0.5, {"plan": "gold", "tenure_months": 24}, True),
    Row("discount_10", 0, 0.8, "call", 0.4, {"plan": "gold", "tenure_months": 30}, False),
    Row("discount_10", 0, 0.2, None, 0.6, {"plan": "basic", "tenure_months": 3}, None),
    Row("loyalty", 0, 0.4, "app", 0.3, {"plan": "basic", "tenure_months": 14}, True),
    # day 1: discount_10 twice in the medium band (both accepted), no_action once
    Row("discount_10", 1, 0.45, "app", 0.2, {"plan": "silver", "tenure_months": 10}, True),
    Row("discount_10", 1, 0.5, "app", 0.3, {"plan": "gold", "tenure_months": 6}, True),
    Row("no_action", 1, 0.1, "call", 0.2, {"plan": "gold"}, False),
    Row("no_action", 1, 0.1, "call", 0.2, {"plan": "basic"}, False),
]
"""discount_10: 5 shows, 4 answered, 3 accepts (days 0: 3/2/1, 1: 2/2/2); every decision: 8."""

TITLES = (
    "Shows, outcomes and accepts per day",
    "Acceptance rate per day",
    "Spend to date against the budget",
    "Acceptance rate by churn band",
    "Acceptance rate by channel",
    "The learner's share of traffic for this offer",
)


@pytest.fixture
def clock() -> SetClock:
    return SetClock()


@pytest.fixture
def runtime(settings: Settings, clock: SetClock) -> Iterator[Runtime]:
    """The conftest's runtime on a clock the test moves; discount_10 has a money budget."""
    for built in insight_runtime(settings, clock):
        built.catalog.edit("discount_10", {"caps": {"budget_money": 40.0}})
        yield built


def test_figures_by_day_band_and_channel_with_wilson_intervals(
    runtime: Runtime, clock: SetClock
) -> None:
    log_rows(runtime, clock, KNOWN)
    runtime.summaries.refresh()
    board = runtime.insights.offer_dashboard("discount_10", 30)
    total = board.overall
    assert (total.shows, total.answered, total.accepts) == (5, 4, 3)
    assert (total.ci_low, total.ci_high) == pytest.approx(wilson_by_roots(3, 4))
    days = {d.day: d for d in board.days}
    assert len(board.days) == 30 and board.days[-1].day == day(1)
    assert (days[day(0)].rate.shows, days[day(0)].rate.answered, days[day(0)].rate.accepts) == (
        3, 2, 1,
    )  # fmt: skip
    assert days[day(1)].rate.rate == 1.0
    assert days[day(-1)].rate.shows == 0 and days[day(-1)].rate.rate is None
    bands = {band: (r.shows, r.answered, r.accepts) for band, r in board.by_band}
    assert list(bands) == ["low", "medium", "high"]
    assert bands == {"low": (1, 0, 0), "medium": (2, 2, 2), "high": (2, 2, 1)}
    channels = {channel: (r.shows, r.answered, r.accepts) for channel, r in board.by_channel}
    assert channels == {"app": (3, 3, 3), "call": (1, 1, 0), "(none)": (1, 0, 0)}


def test_traffic_share_and_mean_logged_probability_per_day(
    runtime: Runtime, clock: SetClock
) -> None:
    log_rows(runtime, clock, KNOWN)
    runtime.summaries.refresh()
    board = runtime.insights.offer_dashboard("discount_10", 30)
    days = {d.day: d for d in board.days}
    assert days[day(0)].share_of_decisions == pytest.approx(3 / 4)
    assert days[day(0)].mean_propensity == pytest.approx((0.5 + 0.4 + 0.6) / 3)
    assert days[day(1)].share_of_decisions == pytest.approx(2 / 4)
    assert days[day(1)].mean_propensity == pytest.approx(0.25)
    assert board.share_of_decisions == pytest.approx(5 / 8)


def test_spend_is_costed_at_the_version_decided_and_set_against_the_budget(
    runtime: Runtime, clock: SetClock
) -> None:
    log_rows(runtime, clock, KNOWN)  # 3 accepts at cost 5
    runtime.catalog.edit("discount_10", {"cost": 7.0})
    log_rows(runtime, clock, [Row("discount_10", 2, 0.7, "app", 0.5, {}, True)])  # 1 at cost 7
    runtime.summaries.refresh()
    board = runtime.insights.offer_dashboard("discount_10", 30)
    assert board.spend == pytest.approx(3 * 5.0 + 7.0)
    assert board.budget.money_used == pytest.approx(22.0 / 40.0)
    assert [d.spend_to_date for d in board.days[-3:]] == pytest.approx([5.0, 15.0, 22.0])
    # A window of today only still counts the spend to date from the offer's start.
    today = runtime.insights.offer_dashboard("discount_10", 1)
    assert today.spend == pytest.approx(7.0)
    assert today.days[-1].spend_to_date == pytest.approx(22.0)


def test_the_customers_it_wins_against_its_shows_and_all_decisions(
    runtime: Runtime, clock: SetClock
) -> None:
    log_rows(runtime, clock, KNOWN)
    runtime.summaries.refresh()
    board = runtime.insights.offer_dashboard("discount_10", 30)
    profiles = {p.field: p for p in board.customers}
    plan = {v.value: v for v in profiles["plan"].values}
    # accepts: gold, silver, gold; shows: gold x3, basic, silver; all: gold x4, basic x3, silver
    assert list(plan) == ["gold", "silver", "basic"]
    assert plan["gold"].among_accepts == pytest.approx(2 / 3)
    assert plan["gold"].among_shows == pytest.approx(3 / 5)
    assert plan["gold"].among_all == pytest.approx(4 / 8)
    assert plan["basic"].among_accepts == 0.0 and plan["basic"].among_all == pytest.approx(3 / 8)
    (tenure,) = profiles["tenure_months"].values
    assert tenure.among_accepts == pytest.approx((24 + 10 + 6) / 3)
    assert tenure.among_shows == pytest.approx((24 + 30 + 3 + 10 + 6) / 5)
    assert tenure.among_all == pytest.approx((24 + 30 + 3 + 14 + 10 + 6) / 6)
    (churn,) = profiles["churn_score"].values
    assert churn.among_accepts == pytest.approx((0.7 + 0.45 + 0.5) / 3)


def test_a_field_with_many_values_keeps_the_first_and_counts_the_rest_together(
    runtime: Runtime, clock: SetClock
) -> None:
    n = MAX_VALUES + 6
    rows = [Row("loyalty", 0, 0.5, "app", 0.5, {"zip": f"z{i:03d}"}, True) for i in range(n)]
    log_rows(runtime, clock, rows)
    runtime.summaries.refresh()
    with runtime.database.session(readonly=True) as session:
        zips = [c for c in context_totals(session, ["loyalty"], None, day(0)) if c.field == "zip"]
    assert len(zips) == MAX_VALUES + 1
    other = next(c for c in zips if c.value == OTHER)
    assert (other.shows, other.accepts) == (6, 6)
    assert sum(c.shows for c in zips) == sum(c.accepts for c in zips) == n


def test_the_page_draws_its_charts_and_says_its_figures(
    runtime: Runtime, clock: SetClock, console_client: Callable[[str], FlaskClient]
) -> None:
    log_rows(runtime, clock, KNOWN)
    runtime.summaries.refresh()
    reply = console_client("analyst").get("/ui/offers/discount_10/dashboard")
    assert reply.status_code == 200
    html = reply.text
    assert sorted(chart_titles(html)) == sorted(TITLES)
    assert html.count('<figure class="chart"><div class="chart-box"><canvas') == len(TITLES)
    assert html.count("<figcaption>") == len(TITLES)
    assert rate_text(3, 4) in html
    assert "15.00 of a budget of 40.00 (37.5% used)" in html
    assert "<caption>plan</caption>" in html
    everything = console_client("marketer").get("/ui/offers/discount_10/dashboard?days=all")
    assert everything.status_code == 200


def test_an_offer_without_decisions_says_so(
    runtime: Runtime, console_client: Callable[[str], FlaskClient]
) -> None:
    runtime.summaries.refresh()
    html = console_client("marketer").get("/ui/offers/loyalty/dashboard").text
    assert "No decision chose this offer in this window yet." in html
    assert chart_specs(html) == []


def test_unknown_offers_bad_windows_and_other_roles_are_refused(
    runtime: Runtime, console_client: Callable[[str], FlaskClient]
) -> None:
    marketer = console_client("marketer")
    missing = marketer.get("/ui/offers/nope/dashboard")
    assert missing.status_code == 404 and "offer &#39;nope&#39; not found" in missing.text
    bad = marketer.get("/ui/offers/loyalty/dashboard?days=-3")
    assert bad.status_code == 400 and "days" in bad.text
    assert marketer.get("/ui/offers/loyalty/dashboard?days=0").status_code == 400
    assert console_client("crm").get("/ui/offers/loyalty/dashboard").status_code == 403
    assert console_client("admin").get("/ui/offers/loyalty/dashboard").status_code == 200
