"""Off-policy evaluation jobs: the body that starts one, the stored spec, the reply."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, Field, WithJsonSchema, field_validator

from nba.domain import Evaluation
from nba.ope.estimators import ESTIMATORS
from nba.ope.evaluate import DEFAULT_ESTIMATORS
from nba.schemas._common import (
    DEFAULT_ALPHA,
    DEFAULT_N_BOOTSTRAP,
    MAX_N_BOOTSTRAP,
    Body,
    OneOf,
    Reply,
    Time,
    Timestamp,
)

JOB_STATUSES = ("pending", "running", "done", "failed")
CANDIDATE_KINDS = ("random", "uniform", "rules", "policy", "version")
"""Candidates a job may name; those that read server files (`table:`, `model:`) are CLI only."""


def _candidate(spec: str) -> str:
    kind = spec.partition(":")[0]
    if kind not in CANDIDATE_KINDS or (kind == "rules" and ":" in spec):
        raise ValueError(
            f"{spec!r}: expected random, rules, policy:NAME[,key=value...] or version:N"
        )
    return spec


CandidateSpec = Annotated[
    str,
    AfterValidator(_candidate),
    WithJsonSchema(
        {"type": "string", "pattern": r"^(rules|(random|uniform|policy|version)(:[^\x00]*)?)$"}
    ),
]


class EvaluationBody(Body):
    """POST /v1/evaluations: candidates, estimators and the slice of the log to use."""

    policies: list[CandidateSpec] = Field(
        min_length=1,
        description="random, rules, policy:NAME[,key=value...] (progressive validation), "
        "version:N (a saved model version)",
    )
    estimators: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ESTIMATORS),
        min_length=1,
        json_schema_extra={"items": {"type": "string", "enum": list(ESTIMATORS)}},
    )
    from_: Time | None = Field(None, alias="from", description="ISO time, inclusive")
    to: Time | None = Field(None, description="ISO time, exclusive")
    channel: str | None = None
    alpha: float = Field(DEFAULT_ALPHA, ge=1e-9, lt=1)  # below, 1 - alpha/2 rounds to 1
    n_bootstrap: int = Field(DEFAULT_N_BOOTSTRAP, ge=0, le=MAX_N_BOOTSTRAP)
    seed: int | None = Field(None, ge=0, le=2**63 - 1)

    @field_validator("estimators")
    @classmethod
    def _known_estimators(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in ESTIMATORS:
                raise ValueError(f"unknown {name!r}; known: {', '.join(ESTIMATORS)}")
        return names

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _empty_is_no_bound(cls, raw: object) -> object:
        return None if raw == "" else raw


def evaluation_spec(body: EvaluationBody) -> dict[str, object]:
    """The job spec to store from a validated body: defaults filled in, times in ISO form."""
    window = {"from": body.from_, "to": body.to}
    return {
        "policies": list(body.policies),
        "estimators": list(body.estimators),
        "alpha": body.alpha,
        "n_bootstrap": body.n_bootstrap,
        "seed": body.seed,
        "channel": body.channel,
        **{key: time.isoformat() for key, time in window.items() if time is not None},
    }


class EvaluationReply(Reply):
    """An evaluation job: its spec, status, and results (estimates with intervals) when done."""

    id: str
    status: Annotated[str, OneOf(JOB_STATUSES)]
    spec: dict[str, object]
    created_at: Timestamp
    finished_at: Timestamp | None
    results: dict[str, object] | None
    error: str | None

    @classmethod
    def of(cls, job: Evaluation) -> Self:
        """The reply of an evaluation job."""
        return cls(
            id=job.id,
            status=job.status,
            spec=dict(job.spec),
            created_at=job.created_at,
            finished_at=job.finished_at,
            results=dict(job.results) if job.results else None,
            error=job.error,
        )


def evaluation_reply(job: Evaluation) -> dict[str, object]:
    """The JSON form of an evaluation job."""
    return EvaluationReply.of(job).model_dump(mode="json")
