"""How a decision records a health score: fields of its logged context, and reading them back.

A decision made from signals logs, besides the CRM's own context, `health.score`,
`health.band`, `health.families` (the families that fired, comma-separated, `none` for none)
and each signal sent as `signal.<name>`; the learner sees them as context features, the log
and its export keep them. Names starting with `health.` or `signal.` are nba's: a CRM's context
may not use them, so a decision holding `health.score` is one made from signals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nba.health.score import HealthScore
from nba.health.signals import SignalValue

RESERVED_PREFIXES = ("health.", "signal.")
"""Context names nba writes for a decision made from signals; a request may not send them."""
SCORE, BAND, FAMILIES = "health.score", "health.band", "health.families"
SIGNAL = "signal."
NO_FAMILY = "none"

ContextField = tuple[str, float | int | str | bool | None]


@dataclass(frozen=True, slots=True)
class HealthRecord:
    """A logged decision's health score as recorded: score, band, families, signals sent."""

    score: int
    band: str
    families: tuple[str, ...]
    signals: tuple[tuple[str, SignalValue], ...]


def is_reserved(name: str) -> bool:
    """Whether a context name is one nba writes for a decision made from signals."""
    return name.startswith(RESERVED_PREFIXES)


def health_fields(
    health: HealthScore, signals: Mapping[str, SignalValue]
) -> tuple[ContextField, ...]:
    """The context fields that record `health` and the `signals` it came from."""
    families = ",".join(health.family_names) or NO_FAMILY
    return (
        (SCORE, health.score),
        (BAND, health.band.value),
        (FAMILIES, families),
        *((SIGNAL + name, value) for name, value in signals.items()),
    )


def read_health(context: Mapping[str, object]) -> HealthRecord | None:
    """The health score a logged context records, or None (the CRM sent a churn score)."""
    score = context.get(SCORE)
    if not isinstance(score, int | float) or isinstance(score, bool):
        return None
    families = str(context.get(FAMILIES, NO_FAMILY))
    signals = tuple(
        (name.removeprefix(SIGNAL), value)
        for name, value in sorted(context.items())
        if name.startswith(SIGNAL) and isinstance(value, int | float | bool)
    )
    return HealthRecord(
        score=int(score),
        band=str(context.get(BAND, "")),
        families=() if families == NO_FAMILY else tuple(families.split(",")),
        signals=signals,
    )
