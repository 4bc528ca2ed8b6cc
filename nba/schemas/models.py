"""Model versions: their metadata, an off-policy comparison of two, and apprentice mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, Self

from nba.domain import ModelVersion
from nba.schemas._common import Reply, Timestamp

if TYPE_CHECKING:
    from nba.learning.apprentice import ApprenticeStatus


class ModelReply(Reply):
    """A model version's metadata (never its bytes)."""

    version: int
    policy: str
    params: dict[str, object]
    watermark: Timestamp | None
    created_at: Timestamp
    metrics: dict[str, float]
    is_active: bool
    is_pinned: bool

    @classmethod
    def of(cls, model: ModelVersion) -> Self:
        """The reply of a model version."""
        return cls(
            version=model.version,
            policy=model.policy,
            params=dict(model.params),
            watermark=model.watermark,
            created_at=model.created_at,
            metrics=dict(model.metrics),
            is_active=model.is_active,
            is_pinned=model.is_pinned,
        )


class ModelList(Reply):
    """GET /v1/models."""

    models: list[ModelReply]


class ModelComparison(Reply):
    """GET /v1/models/compare: two versions evaluated off-policy on the same recent log."""

    n: int
    logged_value: float
    estimator: str
    versions: dict[str, dict[str, object]]
    better: int | None


class ApprenticeReply(Reply):
    """Apprentice mode: whether the baseline still decides, and the evidence of the last check."""

    enabled: bool
    graduated: bool
    serving: Literal["baseline", "learner"]
    graduated_by: str | None
    graduated_at: str | None
    evidence: dict[str, float]

    @classmethod
    def of(cls, status: ApprenticeStatus) -> Self:
        """The reply of the apprentice status."""
        return cls(
            enabled=status.enabled,
            graduated=status.graduated,
            serving="baseline" if status.is_serving_baseline else "learner",
            graduated_by=status.graduated_by,
            graduated_at=status.graduated_at,
            evidence=dict(status.evidence),
        )


def model_reply(model: ModelVersion) -> dict[str, object]:
    """The JSON form of a model version's metadata."""
    return ModelReply.of(model).model_dump(mode="json")


def model_list_reply(models: Sequence[ModelVersion]) -> dict[str, object]:
    """The JSON form of model versions, in the order given."""
    return ModelList(models=[ModelReply.of(m) for m in models]).model_dump(mode="json")


def comparison_reply(comparison: Mapping[str, object]) -> dict[str, object]:
    """The JSON form of the registry's comparison of two versions."""
    return ModelComparison.model_validate(comparison).model_dump(mode="json")


def apprentice_reply(status: ApprenticeStatus) -> dict[str, object]:
    """The JSON form of the apprentice status."""
    return ApprenticeReply.of(status).model_dump(mode="json")
