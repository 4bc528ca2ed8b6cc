"""Decisions: the CRM's request (one or a batch), the reply, and the logged decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from nba.domain import Decision, Feedback
from nba.health import (
    HealthWeights,
    default_weights,
    health_fields,
    health_score,
    is_reserved,
    read_health,
)
from nba.schemas._common import (
    MAX_CONTEXT_FIELDS,
    Body,
    ContextValue,
    FeatureValue,
    FieldName,
    Reply,
    Text,
    Timestamp,
    not_null,
)
from nba.schemas.feedback import OutcomeReply
from nba.schemas.health import RESERVED_NAMES_PATTERN, HealthReply, SignalsBody
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
    if is_reserved(name):
        raise ValueError(
            "names starting with 'health.' or 'signal.' are nba's: it records a health score "
            "from signals under them"
        )
    return name


def _reserved_in_schema(schema: dict[str, Any]) -> None:
    names = schema.setdefault("propertyNames", {})
    names["not"] = {"pattern": RESERVED_NAMES_PATTERN}


def _learnable(value: ContextValue) -> ContextValue:
    return value if value is None else learnable(value)


Context = Annotated[
    dict[
        Annotated[FieldName, AfterValidator(_not_reserved)],
        Annotated[ContextValue, AfterValidator(_learnable)],
    ],
    Field(max_length=MAX_CONTEXT_FIELDS, json_schema_extra=_reserved_in_schema),
]
"""A decision's context: numbers within ±MAX_FEATURE_ABS, names the learner does not keep."""


class DecisionBody(Body):
    """POST /v1/decisions: the customer and what the CRM knows of them.

    Exactly one of `churn_score` (the CRM's own model) and `signals` (raw signals nba turns
    into a health score and a churn-score stand-in) is sent.
    """

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["churn_score"]}, {"required": ["signals"]}]}
    )

    customer_id: Text
    signals: SignalsBody | None = Field(
        None,
        json_schema_extra=not_null,
        description="raw signals instead of a churn score: nba scores the customer's health "
        "(0-100, red/amber/green) with the configured weights and decides with the stand-in "
        "churn score (100 - health) / 100; the decision records the score, the band, the "
        "families that fired and the signals",
    )
    churn_score: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        validate_default=True,
        json_schema_extra=not_null,
        description="the CRM's churn score in [0, 1]; required unless `signals` are sent",
    )
    context: Context = Field(default_factory=dict)
    channel: Text | None = None
    offer_ids: list[str] | None = Field(default=None, min_length=1)
    explain: bool = False

    @field_validator("churn_score")
    @classmethod
    def _one_source(cls, churn_score: float | None, info: ValidationInfo) -> float | None:
        if "signals" not in info.data:
            return churn_score  # the signals are invalid: their error says why
        sent = info.data["signals"] is not None
        if churn_score is None and not sent:
            # A "missing" kind of error: the field is named although the body lacks it.
            raise PydanticCustomError("missing_unless", "is required unless signals are sent")
        if churn_score is not None and sent:
            raise ValueError("send churn_score or signals, not both")
        return churn_score


class BatchBody(Body):
    """POST /v1/decisions/batch."""

    requests: list[DecisionBody] = Field(min_length=1)


def decision_request(body: DecisionBody, weights: HealthWeights | None = None) -> DecisionRequest:
    """The service's request from a validated body: context sorted, offer ids without repeats.

    A body with signals gets its health score under `weights` (None: the defaults): the
    stand-in churn score, and the fields that record it in the context (`nba.health.record`).
    """
    context: dict[str, ContextValue] = dict(body.context)
    churn_score = body.churn_score
    if body.signals is not None:
        signals = body.signals.sent()
        health = health_score(signals, weights or default_weights())
        churn_score = health.churn_score
        context.update(health_fields(health, signals))
    assert churn_score is not None  # DecisionBody holds one of the two
    return DecisionRequest(
        customer_id=body.customer_id,
        churn_score=churn_score,
        context=tuple(sorted(context.items())),
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
    churn_source: Literal["churn_score", "signals"] = Field(
        description="where the churn score came from: the CRM's `churn_score`, or the health "
        "score of the `signals` it sent (the churn score is then its stand-in)"
    )
    health: HealthReply | None = Field(
        None, exclude_if=_absent, description="the health score, when signals were sent"
    )

    @classmethod
    def of(cls, decision: Decision, outcome: Feedback | None) -> Self:
        """The reply of a logged decision and its outcome (None before any)."""
        health = read_health(decision.context_dict)
        return cls(
            churn_source="churn_score" if health is None else "signals",
            health=None if health is None else HealthReply.of(health),
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
    """The JSON reply for one committed decision: `DecisionReply.of(result)` dumped, built
    directly from the decision (validating values that are valid already cost a fifth of a
    millisecond per decision; tests/unit/schemas check that the two agree)."""
    d = result.decision
    ranked = sorted(zip(d.eligible, d.probabilities, d.scores, strict=True), key=lambda t: -t[1])
    reply: dict[str, object] = {
        "decision_id": d.id,
        "offer_id": d.chosen,
        "probability": float(d.propensity),
        "ranking": [
            {"offer_id": e.offer_id, "probability": float(p), "score": float(s)}
            for e, p, s in ranked
        ],
        "policy": {"name": d.policy, "model_version": d.model_version},
    }
    if result.reasons is not None:
        reply["reasons"] = [
            ReasonReply(
                feature=r.feature, source=r.source, value=r.value, weight=r.weight
            ).model_dump(mode="json")
            for r in result.reasons
        ]
    if result.explain_note is not None:
        reply["explain_note"] = result.explain_note
    return reply


def batch_reply(results: Sequence[DecisionResult]) -> dict[str, object]:
    """The JSON reply for a committed batch, in request order."""
    return BatchReply(decisions=[DecisionReply.of(r) for r in results]).model_dump(mode="json")


def logged_decision_reply(decision: Decision, outcome: Feedback | None) -> dict[str, object]:
    """The JSON form of a logged decision with its outcome."""
    return LoggedDecision.of(decision, outcome).model_dump(mode="json")
