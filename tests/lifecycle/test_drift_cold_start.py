"""Drift flags per offer (log and /metrics) and the cold-start exploration floor."""

from __future__ import annotations

import pytest

from nba.domain import FeedbackKind, FeedbackReport
from nba.learning.drift import compare_windows
from nba.runtime import build_runtime
from nba.serving.cold_start import with_floor
from nba.serving.inputs import DecisionRequest
from tests.conftest import SAMPLE_OFFERS


def test_a_stable_rate_is_not_drift_and_a_collapsed_one_is():
    stable = compare_windows("a", [True, False] * 100, window=100, z=4.0)
    collapsed = compare_windows("a", [False] * 100 + [True, True, False] * 34, window=100, z=4.0)
    assert not stable.drifted and collapsed.drifted and collapsed.z < -4
    assert not compare_windows("a", [False] * 30, window=100, z=4.0).drifted  # windows not full


def test_drifted_offer_is_flagged_in_metrics(settings, caplog):
    from api import create_app

    update = {"drift_window": 50, "no_action_enabled": False}
    runtime = build_runtime(settings.model_copy(update=update))
    try:
        runtime.catalog.add(SAMPLE_OFFERS[0])
        request = DecisionRequest("c", 0.9, offer_ids=("discount_10",))
        for i in range(100):
            d = runtime.decider.decide(request).decision
            accepted = i < 50  # accepted, then not
            runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, accepted))
        with caplog.at_level("WARNING", logger="nba.learning.drift"):
            (found,) = runtime.drift.check()
        assert found.drifted and found.recent_rate == 0.0 and found.previous_rate == 1.0
        assert "discount_10 drifted" in caplog.text
        scraped = create_app(runtime=runtime, start_jobs=False).test_client().get("/metrics")
        assert 'nba_offer_drift{offer_id="discount_10"} 1.0' in scraped.text
    finally:
        runtime.close()


@pytest.mark.parametrize(
    "probabilities, young, expected",
    [((0.97, 0.01, 0.02), {"b"}, (0.97 * 0.9 / 0.99, 0.1, 0.02 * 0.9 / 0.99)),
     ((0.5, 0.3, 0.2), {"b"}, (0.5, 0.3, 0.2)),
     ((0.98, 0.01, 0.01), {"b", "c"}, (0.8, 0.1, 0.1))],
)  # fmt: skip
def test_young_offers_get_the_floor_and_the_rest_gives_it_up(probabilities, young, expected):
    raised = with_floor(("a", "b", "c"), probabilities, young, 0.1)
    assert raised == pytest.approx(expected) and sum(raised) == pytest.approx(1.0)


def test_a_new_offer_is_explored_for_its_first_shows_only(settings):
    update = {"policy": "rules", "policy_params": {"epsilon": 0.01},
              "new_offer_shows": 5, "new_offer_min_probability": 0.2}  # fmt: skip
    runtime = build_runtime(settings.model_copy(update=update))
    try:
        for spec in SAMPLE_OFFERS:
            runtime.catalog.add(spec)
        request = DecisionRequest("c", 0.45, (("tenure_months", 24),))
        first = runtime.decider.decide(request).decision
        assert min(first.probabilities) == pytest.approx(0.2)
        for _ in range(150):
            last = runtime.decider.decide(request).decision
        assert min(last.probabilities) < 0.01  # every offer has had its shows
        assert last.propensity == last.probabilities[last.chosen_index]
    finally:
        runtime.close()
