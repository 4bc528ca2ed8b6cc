"""The campaign's effect over its holdout: differences of rates with Newcombe's intervals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nba.campaigns.report import campaign_report, rate_difference
from nba.domain import Campaign
from nba.storage.campaigns import GroupFigures


def test_the_difference_of_two_rates_has_newcombes_interval():
    # Newcombe (1998), Statistics in Medicine 17:873, table II, method 10 (the hybrid score
    # interval): 56/70 - 48/80 is 0.2000 [0.0524, 0.3339]; 9/10 - 3/10 is 0.6 [0.1705, 0.8090].
    for (a, n, b, m), (low, high) in (
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
    ):
        got = rate_difference(a, n, b, m)
        assert got["difference"] == pytest.approx(a / n - b / m)
        assert got["ci_low"] == pytest.approx(low, abs=1e-4)
        assert got["ci_high"] == pytest.approx(high, abs=1e-4)


def test_no_answer_in_an_arm_gives_no_effect():
    assert rate_difference(5, 10, 0, 0) == {"difference": None, "ci_low": None, "ci_high": None}


def test_the_report_sets_the_treated_against_the_holdout():
    figures = [
        GroupFigures("discount_10", False, 600, 60.0, 60.0, 500, 80, 400, 340),
        GroupFigures("no_action", False, 300, 0.0, 0.0, 300, 0, 300, 240),
        GroupFigures("no_action", True, 100, 0.0, 0.0, 100, 0, 100, 75),
    ]
    summary = {"offers": [{"offer_id": "discount_10", "assigned": 600}]}
    campaign = Campaign("c1", "done", {}, datetime(2026, 12, 1, tzinfo=UTC), summary=summary)
    report = campaign_report(campaign, figures)
    assert report["arms"]["treated"] == {
        "customers": 900, "answered": 800, "accepts": 80, "retention_answered": 700,
        "retained": 580,
    }  # fmt: skip
    retention = report["effect"]["retention_rate"]
    assert retention["difference"] == pytest.approx(580 / 700 - 75 / 100)
    assert retention["ci_low"] < retention["difference"] < retention["ci_high"]
    saves = report["effect"]["incremental_retained"]
    assert saves["difference"] == pytest.approx(retention["difference"] * 900)
    assert report["offers"][0]["accept_rate"] == pytest.approx(80 / 500)
