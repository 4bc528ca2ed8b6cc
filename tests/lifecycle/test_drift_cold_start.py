"""Drift flags per offer (log and /metrics), and the cold-start floor as the service sets it."""

from __future__ import annotations

import pytest

from nba.domain import FeedbackKind, FeedbackReport
from nba.learning.drift import compare_windows
from nba.learning.events import to_candidates, to_context
from nba.runtime import build_runtime
from nba.serving.cold_start import with_new_offer_floor
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


def _learn_decisions(runtime, request, n, accepted_offer):
    for _ in range(n):
        d = runtime.decider.decide(request).decision
        runtime.feedback.record(
            FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, d.chosen == accepted_offer)
        )


def test_a_new_offer_gets_the_policy_floor_once_per_decision(settings):
    # The service's settings set the policy's floor; the service adds none of its own, so the
    # logged probabilities are the policy's ranking, and the new offer has the floor exactly.
    update = {"new_offer_min_probability": 0.3, "new_offer_shows": 10, "no_action_enabled": False}
    runtime = build_runtime(settings.model_copy(update=update))
    try:
        runtime.catalog.add(SAMPLE_OFFERS[0])
        runtime.catalog.add(SAMPLE_OFFERS[1])
        request = DecisionRequest("c", 0.45, (("tenure_months", 24),))
        _learn_decisions(runtime, request, 12, "discount_10")  # 12 events without the new one
        runtime.catalog.add(SAMPLE_OFFERS[2])
        decision = runtime.decider.decide(request).decision
        ranked, _ = runtime.keeper.rank(to_context(decision), to_candidates(decision))
        assert decision.probabilities == ranked.probabilities
        new = [e.offer_id for e in decision.eligible].index("loyalty")
        assert decision.probabilities[new] == pytest.approx(0.3)
        assert decision.propensity == decision.probabilities[decision.chosen_index]
    finally:
        runtime.close()


def test_a_new_offer_keeps_the_floor_for_its_first_shows_only(settings):
    update = {"new_offer_min_probability": 0.3, "new_offer_shows": 10, "no_action_enabled": False}
    runtime = build_runtime(settings.model_copy(update=update))
    try:
        runtime.catalog.add(SAMPLE_OFFERS[0])
        runtime.catalog.add(SAMPLE_OFFERS[1])
        request = DecisionRequest("c", 0.45, (("tenure_months", 24),))
        _learn_decisions(runtime, request, 12, "discount_10")
        runtime.catalog.add(SAMPLE_OFFERS[2])
        shown = 0
        while shown < 10:  # bounded: each decision shows the new offer with p >= 0.3
            d = runtime.decider.decide(request).decision
            new = [e.offer_id for e in d.eligible].index("loyalty")
            assert d.probabilities[new] >= 0.3 - 1e-12
            runtime.feedback.record(
                FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, d.chosen == "discount_10")
            )
            shown += d.chosen == "loyalty"
        assert runtime.learner.drain(10)  # the shows are counted as they are learned
        last = runtime.decider.decide(request).decision
        assert last.probabilities[new] < 0.3  # tried enough, never accepted: the floor is gone
    finally:
        runtime.close()


def test_a_policy_without_a_floor_ignores_the_new_offer_setting_and_says_so(settings, caplog):
    update = {"policy": "rules", "new_offer_min_probability": 0.2}
    with caplog.at_level("WARNING", logger="nba.serving.cold_start"):
        runtime = build_runtime(settings.model_copy(update=update))
    try:
        assert "policy 'rules' has no cold-start floor" in caplog.text
    finally:
        runtime.close()


def test_the_new_offer_setting_fills_only_floor_parameters_not_given():
    floor = {"min_probability": 0.1, "shows": 50}
    assert with_new_offer_floor("vw", {}, **floor) == {
        "cold_start_probability": 0.1,
        "cold_start_tries": 50,
    }
    assert with_new_offer_floor("vw", {"cold_start_tries": 0}, **floor) == {"cold_start_tries": 0}
    assert with_new_offer_floor("vw", {"epsilon": 0.1}, min_probability=0.0, shows=50) == {
        "epsilon": 0.1
    }
