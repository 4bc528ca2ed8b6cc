"""Conversions between frozen domain values and the JSON kept in columns."""

from __future__ import annotations

from collections.abc import Mapping

from nba.domain import Caps, Condition, Eligibility, EligibleOffer
from policies.base import Features


def features_to_json(features: Features) -> dict[str, object]:
    """Feature pairs as a JSON object (order kept)."""
    return dict(features)


def features_from_json(data: Mapping[str, object]) -> Features:
    """A JSON object back as feature pairs, in stored order."""
    return tuple(data.items())  # type: ignore[return-value]


def eligibility_to_json(eligibility: Eligibility) -> dict[str, object]:
    """Eligibility as a JSON object; tuples become lists."""
    return {
        "churn_min": eligibility.churn_min,
        "churn_max": eligibility.churn_max,
        "segments": list(eligibility.segments),
        "plans": list(eligibility.plans),
        "channels": list(eligibility.channels),
        "conditions": [
            {"field": c.field, "op": c.op, "value": _thaw(c.value)} for c in eligibility.conditions
        ],
    }


def eligibility_from_json(data: Mapping[str, object]) -> Eligibility:
    """Eligibility from its JSON object; lists become tuples, missing keys take defaults."""
    default = Eligibility()
    conditions = tuple(
        Condition(field=c["field"], op=c["op"], value=freeze(c["value"]))
        for c in data.get("conditions", ())  # type: ignore[union-attr]
    )
    return Eligibility(
        churn_min=float(data.get("churn_min", default.churn_min)),  # type: ignore[arg-type]
        churn_max=float(data.get("churn_max", default.churn_max)),  # type: ignore[arg-type]
        segments=tuple(data.get("segments", ())),  # type: ignore[arg-type]
        plans=tuple(data.get("plans", ())),  # type: ignore[arg-type]
        channels=tuple(data.get("channels", ())),  # type: ignore[arg-type]
        conditions=conditions,
    )


def caps_to_json(caps: Caps) -> dict[str, object]:
    """Caps as a JSON object."""
    return {
        "max_per_customer": caps.max_per_customer,
        "window_days": caps.window_days,
        "budget_accepts": caps.budget_accepts,
        "budget_money": caps.budget_money,
    }


def caps_from_json(data: Mapping[str, object]) -> Caps:
    """Caps from their JSON object; missing keys take defaults."""
    names = ("max_per_customer", "window_days", "budget_accepts", "budget_money")
    return Caps(**{name: data[name] for name in names if name in data})  # type: ignore[arg-type]


def eligible_to_json(eligible: tuple[EligibleOffer, ...]) -> list[dict[str, object]]:
    """The eligible-offer snapshots of a decision as a JSON list."""
    return [
        {
            "offer_id": e.offer_id,
            "version": e.version,
            "category": e.category,
            "features": features_to_json(e.features),
        }
        for e in eligible
    ]


def eligible_from_json(data: list[Mapping[str, object]]) -> tuple[EligibleOffer, ...]:
    """The eligible-offer snapshots back from their JSON list."""
    return tuple(
        EligibleOffer(
            offer_id=e["offer_id"],  # type: ignore[arg-type]
            version=e["version"],  # type: ignore[arg-type]
            category=e["category"],  # type: ignore[arg-type]
            features=features_from_json(e.get("features", {})),  # type: ignore[arg-type]
        )
        for e in data
    )


def freeze(value: object) -> object:
    """JSON lists as tuples, recursively (frozen values hold tuples)."""
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def _thaw(value: object) -> object:
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value
