"""A model version's figures in plain words: what it learned, when, and how it is judged.

The judgement is the off-policy evaluation `ModelRegistry.evaluate` stores in the version's
metrics (`version_evaluation.summary`: `ope_snips`, its interval, the logging policy's value
`ope_logged_value`, the churn-band rules `ope_baseline_*`), read back here. With an acceptance
reward a value is a rate, shown in per cent with its interval clipped to [0, 1].

Limits: a version is judged on the recent log, which holds the decisions it learned from, so
its estimate is optimistic; the words say so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from nba.domain import ModelVersion
from nba.learning.version_evaluation import MIN_ROWS
from nba.ope.run import RewardKind
from nba.ope.verdict import PER_DECISIONS, per_thousand


@dataclass(frozen=True, slots=True)
class Interval:
    """A value with its 95% interval (NaN where not stored)."""

    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class VersionFigures:
    """One version as people read it: facts, and sentences saying what they mean."""

    version: int
    policy: str
    is_active: bool
    is_pinned: bool
    created_at: str
    trained_on: str
    judgement: str
    estimate: Interval | None
    logging_value: float | None
    rules: Interval | None
    is_rate: bool


def describe(model: ModelVersion, reward_kind: RewardKind) -> VersionFigures:
    """The figures of `model`; `reward_kind` says whether its values are acceptance rates."""
    metrics = dict(model.metrics)
    is_rate = reward_kind == "acceptance"
    estimate = _interval(metrics, "ope", is_rate)
    rules = _interval(metrics, "ope_baseline", is_rate)
    logged = metrics.get("ope_logged_value")
    return VersionFigures(
        version=model.version,
        policy=model.policy,
        is_active=model.is_active,
        is_pinned=model.is_pinned,
        created_at=when(model.created_at),
        trained_on=_trained_on(metrics, model.watermark),
        judgement=_judgement(metrics, estimate, rules, is_rate),
        estimate=estimate,
        logging_value=logged,
        rules=rules,
        is_rate=is_rate,
    )


def when(moment: datetime | None) -> str:
    """A time as the console and reports write it: `2026-01-01 10:00 UTC`."""
    if moment is None:
        return "never"
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def value_text(value: float, is_rate: bool) -> str:
    """A policy's value: a rate in per cent, else the reward per decision."""
    if not math.isfinite(value):
        return "n/a"
    return f"{100 * value:.1f}%" if is_rate else f"{value:.4g}"


def _trained_on(metrics: Mapping[str, float], watermark: datetime | None) -> str:
    if "learned" not in metrics:
        return "No training figures were stored with this version."
    learned = int(metrics["learned"])
    outcomes = int(metrics.get("learned_outcomes", learned))
    retention = int(metrics.get("learned_retention", 0))
    total = int(metrics.get("learned_total", learned))
    base = int(metrics.get("base_version", 0))
    answers = f"{outcomes:,} outcome{'s' * (outcomes != 1)}"
    if retention:
        answers += f" and {retention:,} retention answer{'s' * (retention != 1)}"
    if learned == 0:
        text = f"Learned nothing new: a copy of version {base}." if base else "Learned nothing."
    elif base:
        text = f"Continued version {base} with {answers} ({total:,} in all)."
    else:
        text = f"Trained from scratch on {answers}."
    if watermark is not None and learned:
        text += f" Its newest answer is from {when(watermark)}."
    return text


def _judgement(
    metrics: Mapping[str, float], estimate: Interval | None, rules: Interval | None, is_rate: bool
) -> str:
    logged = metrics.get("ope_logged_value")
    if estimate is None or logged is None:
        return (
            "Not evaluated: when it was saved the log held fewer than "
            f"{MIN_ROWS} decisions with outcomes, or evaluation of versions was off."
        )
    n = int(metrics.get("ope_n", 0))
    what = "acceptance rate" if is_rate else "reward per decision"
    lift_low = metrics.get("ope_snips_lift_ci_low", math.nan)
    lift_high = metrics.get("ope_snips_lift_ci_high", math.nan)
    if is_rate:
        lift_low = _clip(lift_low, -logged, 1.0 - logged)
        lift_high = _clip(lift_high, -logged, 1.0 - logged)
    lift = estimate.value - logged
    unit = "accepts" if is_rate else "reward"
    if math.isfinite(lift_high):
        span = f"95% interval {per_thousand(lift_low)} to {per_thousand(lift_high)}"
    else:
        span = f"the 95% interval starts at {per_thousand(lift_low)}"
    if lift_low > 0:
        verdict = "better than the logging policy"
    elif lift_high < 0:
        verdict = "worse than the logging policy"
    else:
        verdict = "not distinguishable from the logging policy"
    text = (
        f"On the {n:,} latest decisions with outcomes its estimated {what} (self-normalised "
        f"IPS) is {value_text(estimate.value, is_rate)} (95% interval "
        f"{value_text(estimate.low, is_rate)} to {value_text(estimate.high, is_rate)}) against "
        f"{value_text(logged, is_rate)} for the logging policy: {per_thousand(lift)} {unit} per "
        f"{PER_DECISIONS:,} decisions ({span}), {verdict}."
    )
    if rules is not None:
        text += (
            f" The churn-band rules: {value_text(rules.value, is_rate)} "
            f"({value_text(rules.low, is_rate)} to {value_text(rules.high, is_rate)})."
        )
    return text + " It learned from some of these decisions, so the estimate is optimistic."


def _interval(metrics: Mapping[str, float], prefix: str, is_rate: bool) -> Interval | None:
    value = metrics.get(f"{prefix}_snips")
    if value is None:
        return None
    low = metrics.get(f"{prefix}_snips_ci_low", math.nan)
    high = metrics.get(f"{prefix}_snips_ci_high", math.nan)
    if is_rate:
        low, high = _clip(low, 0.0, 1.0), _clip(high, 0.0, 1.0)
    return Interval(value, low, high)


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high) if math.isfinite(value) else value
