"""Conversions between frozen domain values and the JSON kept in columns."""

from __future__ import annotations

import json
from collections.abc import Mapping

import orjson

from nba.domain import Caps, Condition, Eligibility, EligibleOffer, ExcludedOffer
from policies.base import Features, FeatureValue

# The decoders read back what the encoders wrote; a value of another type means the row was
# written by something else, and is reported as such rather than passed on.


def dumps_json(value: object) -> str:
    """A JSON column's text (the engines' serializer): orjson's, compact, key order kept;
    what orjson does not take (integers past 64 bits) as the standard library writes it."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"stored {name} must be text, got {value!r}")
    return value


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"stored {name} must be a number, got {value!r}")
    return float(value)


def _scalar(value: object, name: str) -> FeatureValue:
    if not isinstance(value, str | int | float | bool):
        raise TypeError(f"stored {name} must be a text, number or boolean, got {value!r}")
    return value


def _items(value: object, name: str) -> list[object]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"stored {name} must be a list, got {value!r}")
    return list(value)


def _object(value: object, name: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise TypeError(f"stored {name} must be an object, got {value!r}")
    return value


def features_to_json(features: Features) -> dict[str, object]:
    """Feature pairs as a JSON object (order kept)."""
    return dict(features)


def features_from_json(data: Mapping[str, object]) -> Features:
    """A JSON object back as feature pairs, in stored order."""
    return tuple((str(name), _scalar(value, f"feature {name}")) for name, value in data.items())


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
        **({} if eligibility.expression is None else {"expression": eligibility.expression}),
    }


def eligibility_from_json(data: Mapping[str, object]) -> Eligibility:
    """Eligibility from its JSON object; lists become tuples, missing keys take defaults."""
    default = Eligibility()
    expression = data.get("expression")
    conditions = tuple(
        _condition(_object(c, "condition"))
        for c in _items(data.get("conditions", ()), "conditions")
    )
    return Eligibility(
        churn_min=_number(data.get("churn_min", default.churn_min), "churn_min"),
        churn_max=_number(data.get("churn_max", default.churn_max), "churn_max"),
        segments=tuple(_text(v, "segment") for v in _items(data.get("segments", ()), "segments")),
        plans=tuple(_text(v, "plan") for v in _items(data.get("plans", ()), "plans")),
        channels=tuple(_text(v, "channel") for v in _items(data.get("channels", ()), "channels")),
        conditions=conditions,
        expression=None if expression is None else _text(expression, "expression"),
    )


def _condition(data: Mapping[str, object]) -> Condition:
    raw = data["value"]
    value: float | str | bool | tuple[float | str, ...]
    if isinstance(raw, list | tuple):
        value = tuple(_member(v) for v in raw)
    elif isinstance(raw, str | int | float | bool):
        value = raw
    else:
        raise TypeError(f"stored condition value must be a scalar or a list, got {raw!r}")
    return Condition(field=_text(data["field"], "field"), op=_text(data["op"], "op"), value=value)


def _member(value: object) -> float | str:
    if isinstance(value, str):
        return value
    return _number(value, "condition list member")


def caps_to_json(caps: Caps) -> dict[str, object]:
    """Caps as a JSON object; the per-day budgets only when set (rows of before they were)."""
    data: dict[str, object] = {
        "max_per_customer": caps.max_per_customer,
        "window_days": caps.window_days,
        "budget_accepts": caps.budget_accepts,
        "budget_money": caps.budget_money,
    }
    if caps.budget_accepts_per_day is not None:
        data["budget_accepts_per_day"] = caps.budget_accepts_per_day
    if caps.budget_money_per_day is not None:
        data["budget_money_per_day"] = caps.budget_money_per_day
    return data


def caps_from_json(data: Mapping[str, object]) -> Caps:
    """Caps from their JSON object; missing keys take defaults."""

    def whole(name: str) -> int | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"stored {name} must be a whole number, got {value!r}")
        return value

    money, window = data.get("budget_money"), whole("window_days")
    daily_money = data.get("budget_money_per_day")
    return Caps(
        max_per_customer=whole("max_per_customer"),
        window_days=Caps().window_days if window is None else window,
        budget_accepts=whole("budget_accepts"),
        budget_money=None if money is None else _number(money, "budget_money"),
        budget_accepts_per_day=whole("budget_accepts_per_day"),
        budget_money_per_day=(
            None if daily_money is None else _number(daily_money, "budget_money_per_day")
        ),
    )


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
            offer_id=_text(e["offer_id"], "offer_id"),
            version=int(_number(e["version"], "version")),
            category=_text(e["category"], "category"),
            features=features_from_json(_object(e.get("features", {}), "features")),
        )
        for e in data
    )


def excluded_to_json(excluded: tuple[ExcludedOffer, ...]) -> list[dict[str, object]]:
    """The offers a decision left out, with why, as a JSON list."""
    return [{"offer_id": e.offer_id, "version": e.version, "reason": e.reason} for e in excluded]


def excluded_from_json(data: list[Mapping[str, object]]) -> tuple[ExcludedOffer, ...]:
    """The left-out offers back from their JSON list."""
    return tuple(
        ExcludedOffer(
            offer_id=_text(e["offer_id"], "offer_id"),
            version=int(_number(e["version"], "version")),
            reason=_text(e["reason"], "reason"),
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
