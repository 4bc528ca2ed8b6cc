"""Feedback on a decision: the outcome (accepted or not) and, weeks later, the retention answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from pydantic import Field

from nba.domain import Feedback, FeedbackKind, FeedbackReport
from nba.schemas._common import Body, Reply, Time, Timestamp

if TYPE_CHECKING:
    from nba.serving.feedback import FeedbackResult


class OutcomeBody(Body):
    """POST /v1/decisions/{id}/outcome."""

    accepted: bool
    value: float | None = None
    ts: Time | None = Field(default=None, description="ISO-8601 time the customer answered")


class RetentionBody(Body):
    """POST /v1/decisions/{id}/retention: did the customer stay (weeks later)."""

    retained: bool
    value: float | None = Field(default=None, ge=0, description="the customer's value")
    ts: Time | None = Field(default=None, description="ISO-8601 time the answer was known")


def outcome_report(decision_id: str, body: OutcomeBody) -> FeedbackReport:
    """The recorder's report of an outcome from a validated body."""
    return FeedbackReport(FeedbackKind.ACCEPTANCE, decision_id, body.accepted, body.value, body.ts)


def retention_report(decision_id: str, body: RetentionBody) -> FeedbackReport:
    """The recorder's report of a retention answer from a validated body."""
    return FeedbackReport(FeedbackKind.RETENTION, decision_id, body.retained, body.value, body.ts)


def _on_record(feedback: Feedback) -> dict[str, object]:
    """The fields both kinds of answer on record reply with (the answer itself aside)."""
    return {
        "decision_id": feedback.decision_id,
        "value": feedback.value,
        "ts": feedback.ts,
        "source": feedback.source,
        "reward": feedback.reward,
        "occurred_at": feedback.occurred_at,
    }


class OutcomeReply(Reply):
    """An outcome on record."""

    decision_id: str
    accepted: bool
    value: float | None
    ts: Timestamp
    source: str
    reward: float
    occurred_at: Timestamp | None = Field(None, description="when the customer answered")

    @classmethod
    def of(cls, outcome: Feedback) -> Self:
        """The reply of an outcome on record."""
        return cls.model_validate({"accepted": outcome.answer, **_on_record(outcome)})


class RecordedOutcomeReply(OutcomeReply):
    """The outcome on record after a report, with what the learner takes from it and why."""

    offer_id: str = Field(description="the offer the decision chose")
    reason: str = Field(
        description="why the outcome has its reward: the reward mode's rule, or for no_action "
        "(which offers nothing, so nothing can be accepted) that it is learned as 0"
    )
    repeated: bool = Field(
        description="true when this outcome was already on record: nothing changed, nothing "
        "was learned again"
    )

    @classmethod
    def of_result(cls, result: FeedbackResult) -> Self:
        """The reply to a report: the outcome on record, its offer, its reason."""
        return cls.model_validate(
            {
                "accepted": result.feedback.answer,
                **_on_record(result.feedback),
                "offer_id": result.offer_id,
                "reason": result.reason,
                "repeated": not result.created,
            }
        )


class RetentionReply(Reply):
    """A retention answer on record."""

    decision_id: str
    retained: bool
    value: float | None
    ts: Timestamp
    source: str
    reward: float
    occurred_at: Timestamp | None = None

    @classmethod
    def of(cls, retention: Feedback) -> Self:
        """The reply of a retention answer on record."""
        return cls.model_validate({"retained": retention.answer, **_on_record(retention)})


def outcome_reply(outcome: Feedback) -> dict[str, object]:
    """The JSON form of an outcome."""
    return OutcomeReply.of(outcome).model_dump(mode="json")


def recorded_outcome_reply(result: FeedbackResult) -> dict[str, object]:
    """The JSON reply to an outcome report."""
    return RecordedOutcomeReply.of_result(result).model_dump(mode="json")


def retention_reply(retention: Feedback) -> dict[str, object]:
    """The JSON form of a retention answer."""
    return RetentionReply.of(retention).model_dump(mode="json")
