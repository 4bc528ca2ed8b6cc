"""The health score of one customer: which families fired, 0-100, a band, a churn stand-in."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from nba.health.signals import SignalValue
from nba.health.weights import HealthWeights


class Band(StrEnum):
    """Where a health score falls: green (healthy), amber (watch), red (act now)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True, slots=True)
class HealthScore:
    """A customer's health from raw signals.

    `score` is 0 (worst) to 100 after the forced-red rule; `families` the families that fired,
    by name, with the triggers that fired in each; `forced_red` whether enough families fired
    together, from a score above red, for the rule to cap it at the top of the red band.
    `churn_score` is the stand-in the decision uses, `(100 - score) / 100`: it orders customers
    as the score does, it is not a calibrated probability.
    """

    score: int
    band: Band
    families: tuple[tuple[str, tuple[str, ...]], ...]
    forced_red: bool

    @property
    def churn_score(self) -> float:
        """The churn-score stand-in, in [0, 1]."""
        return (100 - self.score) / 100

    @property
    def family_names(self) -> tuple[str, ...]:
        """The names of the families that fired, in the weights' order."""
        return tuple(name for name, _ in self.families)


def band_of(score: int, weights: HealthWeights) -> Band:
    """The band a score falls in under `weights`' thresholds."""
    if score >= weights.bands.green_min:
        return Band.GREEN
    if score >= weights.bands.amber_min:
        return Band.AMBER
    return Band.RED


def health_score(signals: Mapping[str, SignalValue], weights: HealthWeights) -> HealthScore:
    """Score `signals` (by signal name; a missing one never fires) under `weights`."""
    fired: list[tuple[str, tuple[str, ...]]] = []
    risk = 0.0
    for name, family in weights.families.items():
        hits = tuple(t.describe() for t in family.triggers if t.fires(signals.get(t.signal)))
        if hits:
            fired.append((name, hits))
            risk += family.weight
    score = math.floor(100 * (1 - risk / weights.total_weight) + 0.5)  # halves round up
    rule = weights.force_red_families
    forced = rule is not None and len(fired) >= rule and score >= weights.bands.amber_min
    if forced:
        score = weights.bands.amber_min - 1
    return HealthScore(score, band_of(score, weights), tuple(fired), forced)
