"""Feedback on a decision: the outcome (accepted or not) and, weeks later, the retention answer."""

from __future__ import annotations

from typing import Self

from pydantic import Field

from nba.domain import Outcome, Retention
from nba.schemas._common import Body, Reply, Time, Timestamp
from nba.serving.inputs import OutcomeReport
from nba.serving.retention import RetentionReport


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


def outcome_report(decision_id: str, body: OutcomeBody) -> OutcomeReport:
    """The service's outcome report from a validated body."""
    return OutcomeReport(decision_id, body.accepted, body.value, body.ts)


def retention_report(decision_id: str, body: RetentionBody) -> RetentionReport:
    """The service's retention report from a validated body."""
    return RetentionReport(decision_id, body.retained, body.value, body.ts)


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
    def of(cls, outcome: Outcome) -> Self:
        """The reply of an outcome on record."""
        return cls(
            decision_id=outcome.decision_id,
            accepted=outcome.accepted,
            value=outcome.value,
            ts=outcome.ts,
            source=outcome.source,
            reward=outcome.reward,
            occurred_at=outcome.occurred_at,
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
    def of(cls, retention: Retention) -> Self:
        """The reply of a retention answer on record."""
        return cls(
            decision_id=retention.decision_id,
            retained=retention.retained,
            value=retention.value,
            ts=retention.ts,
            source=retention.source,
            reward=retention.reward,
            occurred_at=retention.occurred_at,
        )


def outcome_reply(outcome: Outcome) -> dict[str, object]:
    """The JSON form of an outcome."""
    return OutcomeReply.of(outcome).model_dump(mode="json")


def retention_reply(retention: Retention) -> dict[str, object]:
    """The JSON form of a retention answer."""
    return RetentionReply.of(retention).model_dump(mode="json")
