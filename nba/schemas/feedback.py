"""Feedback on a decision: the outcome (accepted or not) and, weeks later, the retention answer."""

from __future__ import annotations

from typing import Self

from pydantic import Field

from nba.domain import Feedback, FeedbackKind, FeedbackReport
from nba.schemas._common import Body, Reply, Time, Timestamp


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


def retention_reply(retention: Feedback) -> dict[str, object]:
    """The JSON form of a retention answer."""
    return RetentionReply.of(retention).model_dump(mode="json")
