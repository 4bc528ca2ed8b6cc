"""Decisions: the CRM's request (one or a batch), the reply, and the logged decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import AfterValidator, Field

from nba.domain import Decision, Feedback
from nba.schemas._common import (
    MAX_CONTEXT_FIELDS,
    Body,
    ContextValue,
    FeatureValue,
    FieldName,
    Reply,
    Text,
    Timestamp,
)
from nba.schemas.feedback import OutcomeReply
from nba.schemas.offers import learnable
from nba.serving.inputs import DecisionRequest
from policies.encoding import RESERVED_SHARED_KEYS

if TYPE_CHECKING:
    from nba.serving.decider import DecisionResult


def _not_reserved(name: str) -> str:
    if name in RESERVED_SHARED_KEYS:
        raise ValueError(
            f"is a name the learner keeps for itself ({', '.join(sorted(RESERVED_SHARED_KEYS))})"
        )
    return name


def _learnable(value: ContextValue) -> ContextValue:
    return value if value is None else learnable(value)


Context = Annotated[
    dict[
        Annotated[FieldName, AfterValidator(_not_reserved)],
        Annotated[ContextValue, AfterValidator(_learnable)],
    ],
    Field(max_length=MAX_CONTEXT_FIELDS),
]
"""A decision's context: numbers within ±MAX_FEATURE_ABS, names the learner does not keep."""


class DecisionBody(Body):
    """POST /v1/decisions: the customer and what the CRM knows of them."""

    customer_id: Text
    churn_score: float = Field(ge=0.0, le=1.0)
    context: Context = Field(default_factory=dict)
    channel: Text | None = None
    offer_ids: list[str] | None = Field(default=None, min_length=1)
    explain: bool = False


class BatchBody(Body):
    """POST /v1/decisions/batch."""

    requests: list[DecisionBody] = Field(min_length=1)


def decision_request(body: DecisionBody) -> DecisionRequest:
    """The service's request from a validated body: context sorted, offer ids without repeats."""
    return DecisionRequest(
        customer_id=body.customer_id,
        churn_score=body.churn_score,
        context=tuple(sorted(body.context.items())),
        channel=body.channel,
        offer_ids=None if body.offer_ids is None else tuple(dict.fromkeys(body.offer_ids)),
        explain=body.explain,
    )


SCORE = (
    "the policy's estimate of the reward this offer would earn for this customer, on the "
    "learner's scale: under the default `acceptance` reward the estimated chance of "
    "acceptance (0 to 1); under `net_value` and `retention_value` the net value divided by "
    "NBA_REWARD_SCALE (-1 to 1). Not the probability: an offer can score highest and still be "
    "drawn rarely, or be drawn to explore. `random` scores every offer 0 (no estimate); "
    "`rules` 1 for the categories its churn band prefers, else 0"
)


class RankedOffer(Reply):
    """One eligible offer in a decision's ranking."""

    offer_id: str
    probability: float = Field(description="the chance this offer had to be drawn")
    score: float = Field(description=SCORE)


class ReasonReply(Reply):
    """One feature that set the chosen offer above (or below) the other eligible offers."""

    feature: str = Field(
        description="the context field as sent (`tenure_months`), `churn_score`, or the "
        "offer's feature (`discount_pct`; `offer` for the offer itself, `category`); several "
        "joined by ' & ' where the model crosses them"
    )
    source: str = Field(description="where the feature comes from: context, churn_score, offer")
    value: float | int | str | bool | None = Field(
        description="the customer's value of it, or the chosen offer's (null: it has none)"
    )
    weight: float = Field(
        description="how much this feature raised (positive) or lowered the chosen offer's "
        "estimated reward against the mean of the other eligible offers, on the score's "
        "scale; features that add the same to every offer are left out"
    )


class PolicyRef(Reply):
    """The policy and model version that decided."""

    name: str
    model_version: int | None


def _absent(value: object) -> bool:
    return value is None


class DecisionReply(Reply):
    """The reply to POST /v1/decisions; `reasons` or `explain_note` only when explain was asked.

    `reasons` are the features that moved the chosen offer's score most against the other
    eligible offers', largest first (at most 5); `explain_note` says why there are none, or
    what they need to be read with.
    """

    decision_id: str
    offer_id: str
    probability: float
    ranking: list[RankedOffer]
    policy: PolicyRef
    reasons: list[ReasonReply] | None = Field(None, exclude_if=_absent)
    explain_note: str | None = Field(None, exclude_if=_absent)

    @classmethod
    def of(cls, result: DecisionResult) -> Self:
        """The reply of a committed decision: its ranking by probability, highest first."""
        d = result.decision
        pairs = zip(d.eligible, d.probabilities, d.scores, strict=True)
        ranked = sorted(pairs, key=lambda t: -t[1])
        reasons = None
        if result.reasons is not None:
            reasons = [
                ReasonReply(feature=r.feature, source=r.source, value=r.value, weight=r.weight)
                for r in result.reasons
            ]
        return cls(
            decision_id=d.id,
            offer_id=d.chosen,
            probability=d.propensity,
            ranking=[
                RankedOffer(offer_id=e.offer_id, probability=p, score=s) for e, p, s in ranked
            ],
            policy=PolicyRef(name=d.policy, model_version=d.model_version),
            reasons=reasons,
            explain_note=result.explain_note,
        )


class BatchReply(Reply):
    """The reply to POST /v1/decisions/batch, in request order."""

    decisions: list[DecisionReply]


class EligibleReply(Reply):
    """An eligible offer as logged: id, version, category, feature snapshot."""

    offer_id: str
    version: int
    category: str
    features: dict[str, FeatureValue]


class ExcludedReply(Reply):
    """An active offer the decision left out, and why: `unusable: ...` when nba cannot use it,
    else the eligibility rule it failed (`dates:`, `churn score:`, `segment:`, `plan:`,
    `channel:`, `condition:`, `contact cap:`, `budget:`)."""

    offer_id: str
    version: int
    reason: str


class LoggedDecision(Reply):
    """GET /v1/decisions/{id}: the log row and its outcome.

    `excluded` (only when there are any) lists the active offers left out, with why.
    """

    decision_id: str
    ts: Timestamp
    customer_id: str
    churn_score: float
    context: dict[str, ContextValue]
    channel: str | None
    eligible: list[EligibleReply]
    probabilities: list[float]
    scores: list[float] = Field(description="each eligible offer's score, in order: " + SCORE)
    offer_id: str
    propensity: float
    policy: str
    model_version: int | None
    outcome: OutcomeReply | None
    excluded: list[ExcludedReply] | None = Field(None, exclude_if=_absent)

    @classmethod
    def of(cls, decision: Decision, outcome: Feedback | None) -> Self:
        """The reply of a logged decision and its outcome (None before any)."""
        return cls(
            decision_id=decision.id,
            ts=decision.ts,
            customer_id=decision.customer_id,
            churn_score=decision.churn_score,
            context=decision.context_dict,
            channel=decision.channel,
            eligible=[
                EligibleReply(
                    offer_id=e.offer_id,
                    version=e.version,
                    category=e.category,
                    features=dict(e.features),
                )
                for e in decision.eligible
            ],
            probabilities=list(decision.probabilities),
            scores=list(decision.scores),
            offer_id=decision.chosen,
            propensity=decision.propensity,
            policy=decision.policy,
            model_version=decision.model_version,
            outcome=None if outcome is None else OutcomeReply.of(outcome),
            excluded=[
                ExcludedReply(offer_id=e.offer_id, version=e.version, reason=e.reason)
                for e in decision.excluded
            ]
            or None,
        )


def decision_reply(result: DecisionResult) -> dict[str, object]:
    """The JSON reply for one committed decision."""
    return DecisionReply.of(result).model_dump(mode="json")


def batch_reply(results: Sequence[DecisionResult]) -> dict[str, object]:
    """The JSON reply for a committed batch, in request order."""
    return BatchReply(decisions=[DecisionReply.of(r) for r in results]).model_dump(mode="json")


def logged_decision_reply(decision: Decision, outcome: Feedback | None) -> dict[str, object]:
    """The JSON form of a logged decision with its outcome."""
    return LoggedDecision.of(decision, outcome).model_dump(mode="json")
