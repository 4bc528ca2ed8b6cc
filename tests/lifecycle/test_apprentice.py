"""Apprentice mode: the rules decide with exploration; the learner graduates only if better."""

from __future__ import annotations

import numpy as np
import pytest

from nba.domain import FeedbackKind, FeedbackReport
from nba.learning.apprentice import paired_snips
from nba.ope import from_frame
from nba.ope.synthetic import decision_log
from nba.runtime import build_runtime
from nba.serving.inputs import DecisionRequest
from tests.conftest import SAMPLE_OFFERS

REQUEST = DecisionRequest("c", 0.45, (("tenure_months", 24), ("plan", "gold")))
LEARNER_WINS = {"discount_10": 0.6}  # the rules prefer loyalty for the medium band
RULES_WIN = {"loyalty": 0.5}


def _apprentice(settings):
    update = {"apprentice": True, "apprentice_epsilon": 0.3, "apprentice_min_outcomes": 300}
    runtime = build_runtime(settings.model_copy(update=update))
    for spec in SAMPLE_OFFERS:
        runtime.catalog.add(spec)
    return runtime


def _serve(runtime, truth: dict[str, float], n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    policies = []
    for _ in range(n):
        d = runtime.decider.decide(REQUEST).decision
        accepted = bool(rng.random() < truth.get(d.chosen, 0.05))
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, accepted))
        policies.append(d.policy)
    return policies


@pytest.mark.parametrize("truth, graduates", [(LEARNER_WINS, True), (RULES_WIN, False)])
def test_the_learner_graduates_only_when_it_beats_the_rules(settings, truth, graduates):
    runtime = _apprentice(settings)
    try:
        assert set(_serve(runtime, truth, 1000, seed=11)) == {"rules"}
        runtime.save_model()  # trains, evaluates, then checks the apprentice
        status = runtime.apprentice.status()
        evidence = status.evidence
        assert status.graduated is graduates and evidence["n"] == 1000
        assert (evidence["difference_ci_low"] > 0) is graduates
        after = runtime.decider.decide(REQUEST).decision
        assert (after.policy == "vw") is graduates
        assert (after.model_version == 1) is graduates
    finally:
        runtime.close()


def test_the_operator_can_graduate_the_learner_over_http(settings):
    from api import create_app

    runtime = _apprentice(settings)
    try:
        client = create_app(runtime=runtime, start_jobs=False).test_client()
        _, secret = runtime.keys.create("admin")
        auth = {"Authorization": f"Bearer {secret}"}
        before = client.get("/v1/apprentice", headers=auth).json
        assert before["enabled"] and before["serving"] == "baseline"
        after = client.post("/v1/apprentice/graduate", headers=auth).json
        assert after["serving"] == "learner" and after["graduated_by"] == "operator"
        assert runtime.decider.decide(REQUEST).decision.policy == "vw"
    finally:
        runtime.close()


def _snips(data, dist):
    w = np.array([dist[i, a] / data.pscore[i] for i, a in enumerate(data.action)])
    return float((w * data.reward).sum() / w.sum())


def test_the_evidence_is_each_policys_snips_and_a_paired_interval_of_the_difference():
    data = from_frame(decision_log(2000, np.random.default_rng(5)))
    uniform = data.eligible / data.eligible.sum(axis=1, keepdims=True)
    evidence = paired_snips(data, data.logging_dist, uniform, np.random.default_rng(6))
    assert evidence["learner_snips"] == pytest.approx(_snips(data, data.logging_dist))
    assert evidence["baseline_snips"] == pytest.approx(_snips(data, uniform))
    assert evidence["difference"] == pytest.approx(
        evidence["learner_snips"] - evidence["baseline_snips"]
    )
    assert evidence["difference_ci_low"] < evidence["difference"] < evidence["difference_ci_high"]
    same = paired_snips(data, uniform, uniform, np.random.default_rng(6))
    assert same["difference_ci_low"] == 0.0  # a tie does not graduate
