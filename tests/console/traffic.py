"""Logged decisions with outcomes for console tests, through the real decider and recorder."""

from __future__ import annotations

from nba.domain import FeedbackKind, FeedbackReport
from nba.runtime import Runtime
from nba.serving.inputs import DecisionRequest


def decide_and_answer(runtime: Runtime, n: int) -> None:
    """`n` decisions, each with an outcome: device upgrades are accepted, the rest declined."""
    for i in range(n):
        request = DecisionRequest(f"c{i}", (i % 10) / 10, (("tenure_months", i % 40),))
        decision = runtime.decider.decide(request).decision
        accepted = decision.chosen == "device_upgrade"
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, accepted))
