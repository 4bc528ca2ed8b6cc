"""Retention as the reward: the late answer, its idempotency, its reward, defaults, learning."""

from __future__ import annotations

from datetime import timedelta

import pytest

import policies
from nba.runtime import build_runtime
from nba.serving.inputs import DecisionRequest, OutcomeReport
from nba.serving.retention import RetentionReport, fresh_policy_params
from tests.conftest import SAMPLE_OFFERS
from tests.lifecycle.helpers import counts, decide_and_report


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


def _retention_runtime(settings):
    runtime = build_runtime(settings.model_copy(update={"reward_mode": "retention_value"}))
    for spec in SAMPLE_OFFERS:
        runtime.catalog.add(spec)
    return runtime


def test_retention_value_is_customer_value_minus_the_cost_of_an_accepted_offer(settings):
    runtime = _retention_runtime(settings)
    try:
        request = DecisionRequest("c", 0.9, (("tenure_months", 1),), offer_ids=("discount_10",))
        d = runtime.service.decide(request).decision
        while d.chosen != "discount_10":
            d = runtime.service.decide(request).decision
        runtime.service.record_outcome(OutcomeReport(d.id, True))
        kept = runtime.service.record_retention(RetentionReport(d.id, True, 60.0)).retention
        # less the baseline: a churn score of 0.9 expects 10% of the value kept anyway
        kept_reward = (60.0 - 0.1 * 60.0 - 5.0) / settings.reward.scale
        assert kept.reward == pytest.approx(kept_reward)
        quiet = runtime.service.decide(DecisionRequest("q", 0.9, offer_ids=("discount_10",)))
        lost = runtime.service.record_retention(RetentionReport(quiet.decision.id, False))
        # not accepted: no cost; not retained: no value, less the baseline at the default value
        default = settings.reward.retention_default_value
        assert lost.retention.reward == pytest.approx(-0.1 * default / settings.reward.scale)
    finally:
        runtime.close()


def test_unanswered_decisions_get_the_default_retention_after_the_window(settings):
    runtime = _retention_runtime(settings)
    try:
        old = runtime.service.decide(DecisionRequest("c", 0.2)).decision
        later = old.ts + timedelta(days=settings.reward.retention_window_days + 1)
        runtime.service._clock = lambda: later
        assert runtime.service.apply_default_retention() == 1
        assert runtime.service.apply_default_retention() == 0
    finally:
        runtime.close()


def test_the_trainer_learns_the_interim_outcome_then_the_retention_answer_once(settings):
    runtime = _retention_runtime(settings)
    try:
        ids = decide_and_report(runtime, 20)
        first = runtime.trainer.run()
        assert (first.outcomes, first.retention) == (20, 0)
        for decision_id in ids[:8]:
            runtime.service.record_retention(RetentionReport(decision_id, True, 50.0))
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
            d = runtime.service.decide(request).decision
            while d.chosen != "discount_10":
                d = runtime.service.decide(request).decision
            report = OutcomeReport(d.id, accepted)
            rewards[accepted] = runtime.service.record_outcome(report).outcome.reward
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
    assert fresh_rate(told) == 0.3
    runtime = _retention_runtime(settings)
    try:
        assert runtime.keeper.with_lock(lambda p: p.params["learning_rate"]) == 0.1
        decide_and_report(runtime, 5)
        saved = runtime.trainer.run().version
        assert dict(saved.params)["learning_rate"] == 0.1
    finally:
        runtime.close()


def test_fresh_policy_params_touch_only_policies_with_a_learning_rate():
    assert fresh_policy_params("vw-bag", {}, "retention_value") == {"learning_rate": 0.1}
    assert fresh_policy_params("vw", {}, "acceptance") == {}
    assert fresh_policy_params("lints", {"epsilon": 0.1}, "retention_value") == {"epsilon": 0.1}
    assert "learning_rate" in policies.parameters("vw-squarecb")
    assert "exploration" not in policies.parameters("vw-squarecb")  # the name fixes it
