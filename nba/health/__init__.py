"""A built-in health score from raw signals, for CRMs without a churn model (DOMAIN.md §2)."""

from nba.health.record import HealthRecord, health_fields, is_reserved, read_health
from nba.health.score import Band, HealthScore, band_of, health_score
from nba.health.signals import SIGNALS, SignalSpec, SignalValue
from nba.health.weights import (
    DEFAULT_WEIGHTS,
    Family,
    HealthWeights,
    Trigger,
    default_weights,
    health_weights,
    load_weights,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "SIGNALS",
    "Band",
    "Family",
    "HealthRecord",
    "HealthScore",
    "HealthWeights",
    "SignalSpec",
    "SignalValue",
    "Trigger",
    "band_of",
    "default_weights",
    "health_fields",
    "health_score",
    "health_weights",
    "is_reserved",
    "load_weights",
    "read_health",
]
