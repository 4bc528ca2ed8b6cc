"""Retention as the reward: the late answer, its idempotency, its reward, defaults, learning."""

from __future__ import annotations

from datetime import timedelta

import pytest

import policies
from nba.config import RewardMode
from nba.domain import FeedbackKind, FeedbackReport
from nba.reward import fresh_policy_params
from nba.runtime import build_runtime
from nba.serving.inputs import DecisionRequest
from tests.clock import ManualClock
from tests.conftest import SAMPLE_OFFERS
from tests.lifecycle.helpers import counts, decide_and_report, decide_until_chosen

ACCEPTANCE, RETENTION = FeedbackKind.ACCEPTANCE, FeedbackKind.RETENTION


def _decision(client, headers) -> str:
    body = {"customer_id": "c1", "churn_score": 0.5}
    return client.post("/v1/decisions", json=body, headers=headers("crm")).json["decision_id"]


def test_same_retention_twice_is_200_unchanged_and_a_different_one_is_409(client, headers):
    url = f"/v1/decisions/{_decision(client, headers)}/retention"
    first = client.post(url, json={"retained": True, "value": 80.0}, headers=headers("crm"))
    again = client.post(url, json={"retained": True, "value": 80.0}, headers=headers("crm"))
    assert first.status_code == again.status_code == 200 and first.json == again.json
    other = client.post(url, json={"retained": False}, headers=headers("crm"))
    assert other.status_code == 409


def test_retention_of_an_unknown_decision_is_404(client, headers):
    reply = client.post("/v1/decisions/nope/retention", json={"retained": True},
                        headers=headers("crm"))  # fmt: skip
    assert reply.status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [({"retained": "yes"}, "retained"), ({}, "retained"),
     ({"retained": True, "value": -1}, "value"), ({"retained": True, "extra": 1}, "extra"),
     ({"retained": True, "ts": "soon"}, "ts")],
)  # fmt: skip
def test_bad_retention_fields_are_400_naming_the_field(client, headers, body, field):
    url = f"/v1/decisions/{_decision(client, headers)}/retention"
    reply = client.post(url, json=body, headers=headers("crm"))
    assert reply.status_code == 400 and reply.json["error"]["details"]["field"] == field


def _retention_runtime(settings, clock=None, policy="default"):
    retention = settings.model_copy(update={"reward_mode": "retention_value", "policy": policy})
    runtime = build_runtime(retention) if clock is None else build_runtime(retention, clock)
    for spec in SAMPLE_OFFERS:
        runtime.catalog.add(spec)
    return runtime


def test_retention_value_is_customer_value_minus_the_cost_of_an_accepted_offer(settings):
    runtime = _retention_runtime(settings)
    try:
        request = DecisionRequest("c", 0.9, (("tenure_months", 1),), offer_ids=("discount_10",))
        d = decide_until_chosen(runtime, request, "discount_10")
        runtime.feedback.record(FeedbackReport(ACCEPTANCE, d.id, True))
        kept = runtime.feedback.record(FeedbackReport(RETENTION, d.id, True, 60.0)).feedback
        # less the baseline: a churn score of 0.9 expects 10% of the value kept anyway
        kept_reward = (60.0 - 0.1 * 60.0 - 5.0) / settings.reward.scale
        assert kept.reward == pytest.approx(kept_reward)
        quiet = runtime.decider.decide(DecisionRequest("q", 0.9, offer_ids=("discount_10",)))
        lost = runtime.feedback.record(FeedbackReport(RETENTION, quiet.decision.id, False))
        # not accepted: no cost; not retained: no value, less the baseline at the default value
        default = settings.reward.retention_default_value
        assert lost.feedback.reward == pytest.approx(-0.1 * default / settings.reward.scale)
    finally:
        runtime.close()


def test_unanswered_decisions_get_the_default_retention_after_the_window(settings):
    clock = ManualClock()
    runtime = _retention_runtime(settings, clock)
    try:
        runtime.decider.decide(DecisionRequest("c", 0.2))
        clock.advance(timedelta(days=settings.reward.retention_window_days + 1))
        assert runtime.defaults.apply(RETENTION) == 1
        assert runtime.defaults.apply(RETENTION) == 0
    finally:
        runtime.close()


def test_the_trainer_learns_the_interim_outcome_then_the_retention_answer_once(settings):
    runtime = _retention_runtime(settings)
    try:
        ids = decide_and_report(runtime, 20)
        first = runtime.trainer.run()
        assert (first.outcomes, first.retention) == (20, 0)
        for decision_id in ids[:8]:
            runtime.feedback.record(FeedbackReport(RETENTION, decision_id, True, 50.0))
        second = runtime.trainer.run()
        assert (second.outcomes, second.retention) == (0, 8)
        assert runtime.trainer.run().version is None and counts(runtime) == (20, 0)
    finally:
        runtime.close()


def test_the_interim_reward_of_an_accept_is_on_the_retention_scale(settings):
    runtime = _retention_runtime(settings.model_copy(update={"retention_interim_reward": 0.02}))
    try:
        request = DecisionRequest("c", 0.5, offer_ids=("discount_10",))
        rewards = {}
        for accepted in (True, False):
            d = decide_until_chosen(runtime, request, "discount_10")
            report = FeedbackReport(ACCEPTANCE, d.id, accepted)
            rewards[accepted] = runtime.feedback.record(report).feedback.reward
        assert rewards == {True: 0.02, False: 0.0}  # not the 0/1 of acceptance mode
    finally:
        runtime.close()


def test_retention_value_learns_with_the_smaller_rate_unless_told_otherwise(settings):
    def fresh_rate(update: dict) -> float:
        runtime = build_runtime(settings.model_copy(update=update))
        try:
            return runtime.keeper.with_lock(lambda p: p.params["learning_rate"])
        finally:
            runtime.close()  # learned nothing, saves nothing: the next one starts fresh too

    assert fresh_rate({}) == 0.5
    told = {"policy_params": {"learning_rate": 0.3}, "reward_mode": "retention_value"}
    assert fresh_rate({**told, "policy": "vw"}) == 0.3
    runtime = _retention_runtime(settings, policy="vw")
    try:
        assert runtime.keeper.with_lock(lambda p: p.params["learning_rate"]) == 0.1
        decide_and_report(runtime, 5)
        saved = runtime.trainer.run().version
        assert dict(saved.params)["learning_rate"] == 0.1
    finally:
        runtime.close()


def test_retention_value_learns_with_pooled_ridge_unless_a_policy_is_set(settings):
    runtime = _retention_runtime(settings)
    try:
        assert runtime.keeper.with_lock(lambda p: p.name) == "pooled-ridge"
        decide_and_report(runtime, 5)
        saved = runtime.trainer.run().version
        assert saved.policy == "pooled-ridge"
    finally:
        runtime.close()


def test_fresh_policy_params_touch_only_policies_with_a_learning_rate():
    assert fresh_policy_params("vw-bag", {}, RewardMode.RETENTION_VALUE) == {"learning_rate": 0.1}
    assert fresh_policy_params("vw", {}, RewardMode.ACCEPTANCE) == {}
    assert fresh_policy_params("lints", {"epsilon": 0.1}, RewardMode.RETENTION_VALUE) == {
        "epsilon": 0.1
    }
    assert "learning_rate" in policies.parameters("vw-squarecb")
    assert "exploration" not in policies.parameters("vw-squarecb")  # the name fixes it
