"""Shared helpers of the lifecycle tests: fill a runtime's log with decisions and outcomes."""

from __future__ import annotations

from nba.domain import Decision, FeedbackKind, FeedbackReport
from nba.runtime import Runtime
from nba.serving.inputs import DecisionRequest
from nba.storage import learned_counts, list_model_versions
from tests.waiting import wait_until


def request(i: int, churn: float = 0.6) -> DecisionRequest:
    """A decision request for customer `i`."""
    return DecisionRequest(f"c{i}", churn, (("plan", "gold"), ("tenure_months", 24)))


def decide_and_report(runtime: Runtime, n: int, start: int = 0) -> list[str]:
    """Make `n` decisions and report an outcome for each (accepted for discount_10)."""
    ids = []
    for i in range(start, start + n):
        d = runtime.decider.decide(request(i)).decision
        runtime.feedback.record(
            FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, d.chosen == "discount_10")
        )
        ids.append(d.id)
    return ids


def counts(runtime: Runtime, kind: FeedbackKind = FeedbackKind.ACCEPTANCE) -> tuple[int, int]:
    """(answers of `kind` learned by a saved version, answers of `kind` not learned yet)."""
    with runtime.database.session(readonly=True) as session:
        return learned_counts(session, kind)


def learned_in_versions(runtime: Runtime) -> float:
    """The sum of every version's `learned` metric: outcomes learned into saved versions."""
    with runtime.database.session(readonly=True) as session:
        return sum(dict(v.metrics).get("learned", 0.0) for v in list_model_versions(session))


def decide_until_chosen(runtime: Runtime, request: DecisionRequest, offer_id: str) -> Decision:
    """Decide `request` again and again until `offer_id` is chosen (bounded: fails after 30 s)."""

    def chosen() -> Decision | None:
        decision = runtime.decider.decide(request).decision
        return decision if decision.chosen == offer_id else None

    return wait_until(chosen, 30, f"a decision choosing {offer_id!r}", poll_s=0)
