"""HTTP bodies as pydantic models (OpenAPI is generated from them) and reply serialisers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from nba.domain import Decision, Evaluation, Feedback, ModelVersion, Offer
from nba.evaluation.stats import OfferStats, Rate
from nba.learning.apprentice import ApprenticeStatus
from nba.serving.decider import DecisionResult

ContextValue = float | int | str | bool | None


class Body(BaseModel):
    """Strict request bodies: wrong types and unknown fields are errors, not coerced."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class DecisionBody(Body):
    """POST /v1/decisions: the customer and what the CRM knows of them."""

    customer_id: str = Field(min_length=1, max_length=200)
    churn_score: float = Field(ge=0.0, le=1.0)
    context: dict[str, ContextValue] = Field(default_factory=dict)
    channel: str | None = Field(default=None, min_length=1, max_length=200)
    offer_ids: list[str] | None = Field(default=None, min_length=1)
    explain: bool = False


class BatchBody(Body):
    """POST /v1/decisions/batch."""

    requests: list[DecisionBody] = Field(min_length=1)


class OutcomeBody(Body):
    """POST /v1/decisions/{id}/outcome."""

    accepted: bool
    value: float | None = None
    ts: str | None = Field(default=None, description="ISO-8601 time the customer answered")


class EligibilityBody(Body):
    """Who may receive an offer."""

    churn_min: float = Field(0.0, ge=0, le=1)
    churn_max: float = Field(1.0, ge=0, le=1)
    segments: list[str] = Field(default_factory=list)
    plans: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    conditions: list[ConditionBody] = Field(default_factory=list)


class ConditionBody(Body):
    """A rule on one context field."""

    field: str
    op: Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"]
    value: float | int | str | bool | list[float | int | str]


class CapsBody(Body):
    """Contact and budget limits."""

    max_per_customer: int | None = Field(None, ge=0)
    window_days: int = Field(30, ge=1)
    budget_accepts: int | None = Field(None, ge=0)
    budget_money: float | None = Field(None, ge=0)


class OfferPatch(Body):
    """PATCH /v1/offers/{id}: the fields to change (a new version is created)."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    category: (
        Literal["discount", "device", "loyalty", "data_bonus", "upsell", "service", "none"] | None
    ) = None
    cost: float | None = Field(None, ge=0)
    value: float | None = Field(None, ge=0)
    features: dict[str, float | int | str | bool] | None = None
    eligibility: EligibilityBody | None = None
    caps: CapsBody | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    status: Literal["active", "paused", "retired"] | None = None


class OfferBody(OfferPatch):
    """POST /v1/offers: a new offer."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    category: Literal["discount", "device", "loyalty", "data_bonus", "upsell", "service", "none"]


class KeyBody(Body):
    """POST /v1/keys: a new API key."""

    role: Literal["crm", "marketer", "analyst", "admin"]
    name: str = Field("", max_length=200)


class EvaluationBody(Body):
    """POST /v1/evaluations: candidates, estimators and the slice of the log to use."""

    policies: list[str] = Field(
        min_length=1,
        description="random, rules, policy:NAME[,key=value...] (progressive validation), "
        "version:N (a saved model version)",
    )
    estimators: list[str] | None = None
    from_: str | None = Field(None, alias="from", description="ISO time, inclusive")
    to: str | None = Field(None, description="ISO time, exclusive")
    channel: str | None = None
    alpha: float = Field(0.05, gt=0, lt=1)
    n_bootstrap: int = Field(200, ge=0, le=2000)
    seed: int | None = None


class RankedOffer(BaseModel):
    """One eligible offer in a decision's ranking."""

    offer_id: str
    probability: float
    score: float


class ReasonReply(BaseModel):
    """One feature behind the chosen offer's score."""

    feature: str
    weight: float


class PolicyRef(BaseModel):
    """The policy and model version that decided."""

    name: str
    model_version: int | None


class DecisionReply(BaseModel):
    """The reply to POST /v1/decisions."""

    decision_id: str
    offer_id: str
    probability: float
    ranking: list[RankedOffer]
    policy: PolicyRef
    reasons: list[ReasonReply] | None = None
    explain_note: str | None = None


class BatchReply(BaseModel):
    """The reply to POST /v1/decisions/batch, in request order."""

    decisions: list[DecisionReply]


class OutcomeReply(BaseModel):
    """An outcome on record."""

    decision_id: str
    accepted: bool
    value: float | None
    ts: datetime
    source: str
    reward: float
    occurred_at: datetime | None = Field(None, description="when the customer answered")


class EligibleReply(BaseModel):
    """An eligible offer as logged: id, version, category, feature snapshot."""

    offer_id: str
    version: int
    category: str
    features: dict[str, float | int | str | bool]


class LoggedDecision(BaseModel):
    """GET /v1/decisions/{id}: the log row and its outcome."""

    decision_id: str
    ts: datetime
    customer_id: str
    churn_score: float
    context: dict[str, ContextValue]
    channel: str | None
    eligible: list[EligibleReply]
    probabilities: list[float]
    scores: list[float]
    offer_id: str
    propensity: float
    policy: str
    model_version: int | None
    outcome: OutcomeReply | None


class OfferReply(BaseModel):
    """An offer at its latest version."""

    id: str
    name: str
    description: str
    category: str
    cost: float
    value: float | None
    features: dict[str, float | int | str | bool]
    eligibility: dict[str, object]
    caps: dict[str, object]
    starts_at: datetime | None
    ends_at: datetime | None
    status: str
    version: int
    created_at: datetime | None


class OfferList(BaseModel):
    """GET /v1/offers."""

    offers: list[OfferReply]


class ModelReply(BaseModel):
    """A model version's metadata (never its bytes)."""

    version: int
    policy: str
    params: dict[str, object]
    watermark: datetime | None
    created_at: datetime
    metrics: dict[str, float]
    is_active: bool
    is_pinned: bool


class ModelList(BaseModel):
    """GET /v1/models."""

    models: list[ModelReply]


class KeyReply(BaseModel):
    """A new API key: the secret is shown only here, once."""

    id: str
    role: str
    name: str
    key: str


class RateReply(BaseModel):
    """Shows, answered, accepts and the acceptance rate with its Wilson 95% interval."""

    shows: int
    answered: int
    accepts: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None


class StatsReply(BaseModel):
    """GET /v1/offers/{id}/stats."""

    offer_id: str
    overall: RateReply
    by_churn_band: dict[str, RateReply]
    by_day: dict[str, RateReply]


class EvaluationReply(BaseModel):
    """An evaluation job: its spec, status, and results (estimates with intervals) when done."""

    id: str
    status: Literal["pending", "running", "done", "failed"]
    spec: dict[str, object]
    created_at: datetime
    finished_at: datetime | None
    results: dict[str, object] | None
    error: str | None


class ErrorDetail(BaseModel):
    """The error body of every failed request."""

    code: str
    message: str
    details: dict[str, object] | None = None


class ErrorReply(BaseModel):
    """`{"error": {code, message, details}}`."""

    error: ErrorDetail


class Health(BaseModel):
    """GET /healthz and /readyz."""

    status: str
    checks: dict[str, str] = Field(default_factory=dict)


def decision_reply(result: DecisionResult) -> dict[str, object]:
    """The JSON reply for one committed decision."""
    d = result.decision
    reply: dict[str, object] = {
        "decision_id": d.id,
        "offer_id": d.chosen,
        "probability": d.propensity,
        "ranking": [
            {"offer_id": e.offer_id, "probability": p, "score": s}
            for e, p, s in sorted(
                zip(d.eligible, d.probabilities, d.scores, strict=True), key=lambda t: -t[1]
            )
        ],
        "policy": {"name": d.policy, "model_version": d.model_version},
    }
    if result.reasons is not None:
        reply["reasons"] = [{"feature": r.feature, "weight": r.weight} for r in result.reasons]
    if result.explain_note is not None:
        reply["explain_note"] = result.explain_note
    return reply


def outcome_reply(outcome: Feedback) -> dict[str, object]:
    """The JSON form of an outcome."""
    return {
        "decision_id": outcome.decision_id,
        "accepted": outcome.answer,
        "value": outcome.value,
        "ts": outcome.ts.isoformat(),
        "source": outcome.source,
        "reward": outcome.reward,
        "occurred_at": outcome.occurred_at.isoformat() if outcome.occurred_at else None,
    }


def logged_decision_reply(decision: Decision, outcome: Feedback | None) -> dict[str, object]:
    """The JSON form of a logged decision with its outcome."""
    return {
        "decision_id": decision.id,
        "ts": decision.ts.isoformat(),
        "customer_id": decision.customer_id,
        "churn_score": decision.churn_score,
        "context": decision.context_dict,
        "channel": decision.channel,
        "eligible": [
            {
                "offer_id": e.offer_id,
                "version": e.version,
                "category": e.category,
                "features": dict(e.features),
            }
            for e in decision.eligible
        ],
        "probabilities": list(decision.probabilities),
        "scores": list(decision.scores),
        "offer_id": decision.chosen,
        "propensity": decision.propensity,
        "policy": decision.policy,
        "model_version": decision.model_version,
        "outcome": outcome_reply(outcome) if outcome else None,
    }


def offer_reply(offer: Offer) -> dict[str, object]:
    """The JSON form of an offer."""
    rules = offer.eligibility
    return {
        "id": offer.id,
        "name": offer.name,
        "description": offer.description,
        "category": offer.category,
        "cost": offer.cost,
        "value": offer.value,
        "features": dict(offer.features),
        "eligibility": {
            "churn_min": rules.churn_min,
            "churn_max": rules.churn_max,
            "segments": list(rules.segments),
            "plans": list(rules.plans),
            "channels": list(rules.channels),
            "conditions": [
                {
                    "field": c.field,
                    "op": c.op,
                    "value": list(c.value) if isinstance(c.value, tuple) else c.value,
                }
                for c in rules.conditions
            ],
        },
        "caps": {
            "max_per_customer": offer.caps.max_per_customer,
            "window_days": offer.caps.window_days,
            "budget_accepts": offer.caps.budget_accepts,
            "budget_money": offer.caps.budget_money,
        },
        "starts_at": offer.starts_at.isoformat() if offer.starts_at else None,
        "ends_at": offer.ends_at.isoformat() if offer.ends_at else None,
        "status": offer.status,
        "version": offer.version,
        "created_at": offer.created_at.isoformat() if offer.created_at else None,
    }


def model_reply(model: ModelVersion) -> dict[str, object]:
    """The JSON form of a model version's metadata."""
    return {
        "version": model.version,
        "policy": model.policy,
        "params": dict(model.params),
        "watermark": model.watermark.isoformat() if model.watermark else None,
        "created_at": model.created_at.isoformat(),
        "metrics": dict(model.metrics),
        "is_active": model.is_active,
        "is_pinned": model.is_pinned,
    }


EligibilityBody.model_rebuild()


def _rate(rate: Rate) -> dict[str, object]:
    return {
        "shows": rate.shows,
        "answered": rate.answered,
        "accepts": rate.accepts,
        "rate": rate.rate,
        "ci_low": rate.ci_low,
        "ci_high": rate.ci_high,
    }


def stats_reply(stats: OfferStats) -> dict[str, object]:
    """The JSON form of an offer's performance."""
    return {
        "offer_id": stats.offer_id,
        "overall": _rate(stats.overall),
        "by_churn_band": {band: _rate(r) for band, r in stats.by_band},
        "by_day": {day: _rate(r) for day, r in stats.by_day},
    }


def evaluation_reply(job: Evaluation) -> dict[str, object]:
    """The JSON form of an evaluation job."""
    return {
        "id": job.id,
        "status": job.status,
        "spec": dict(job.spec),
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "results": dict(job.results) if job.results else None,
        "error": job.error,
    }


class RetentionBody(Body):
    """POST /v1/decisions/{id}/retention: did the customer stay (weeks later)."""

    retained: bool
    value: float | None = Field(default=None, ge=0, description="the customer's value")
    ts: str | None = Field(default=None, description="ISO-8601 time the answer was known")


class RetentionReply(BaseModel):
    """A retention answer on record."""

    decision_id: str
    retained: bool
    value: float | None
    ts: datetime
    source: str
    reward: float
    occurred_at: datetime | None = None


class ModelComparison(BaseModel):
    """GET /v1/models/compare: two versions evaluated off-policy on the same recent log."""

    n: int
    logged_value: float
    estimator: str
    versions: dict[str, dict[str, object]]
    better: int | None


class ApprenticeReply(BaseModel):
    """Apprentice mode: whether the baseline still decides, and the evidence of the last check."""

    enabled: bool
    graduated: bool
    serving: str
    graduated_by: str | None
    graduated_at: str | None
    evidence: dict[str, float]


def retention_reply(retention: Feedback) -> dict[str, object]:
    """The JSON form of a retention answer."""
    return {
        "decision_id": retention.decision_id,
        "retained": retention.answer,
        "value": retention.value,
        "ts": retention.ts.isoformat(),
        "source": retention.source,
        "reward": retention.reward,
        "occurred_at": retention.occurred_at.isoformat() if retention.occurred_at else None,
    }


def apprentice_reply(status: ApprenticeStatus) -> dict[str, object]:
    """The JSON form of the apprentice status."""
    return {
        "enabled": status.enabled,
        "graduated": status.graduated,
        "serving": "baseline" if status.is_serving_baseline else "learner",
        "graduated_by": status.graduated_by,
        "graduated_at": status.graduated_at,
        "evidence": dict(status.evidence),
    }
