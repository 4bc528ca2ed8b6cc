"""Requests into the decision service, validated before anything is written."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from nba.clock import parse_time
from nba.domain import ContextValue, FeedbackKind, FeedbackReport
from nba.errors import InvalidInput

MAX_ID_CHARS = 200
MAX_CONTEXT_FIELDS = 200
MAX_TEXT_CHARS = 500


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    """A CRM's question: the best offer for this customer now."""

    customer_id: str
    churn_score: float
    context: tuple[tuple[str, ContextValue], ...] = ()
    channel: str | None = None
    offer_ids: tuple[str, ...] | None = None
    explain: bool = False


def decision_request(data: Mapping[str, object], prefix: str = "") -> DecisionRequest:
    """Validate a decoded JSON body into a DecisionRequest; errors name the field."""
    if not isinstance(data, Mapping):
        raise InvalidInput(prefix.rstrip(".") or "body", "must be a JSON object")
    known = {"customer_id", "churn_score", "context", "channel", "offer_ids", "explain"}
    for key in data:
        if key not in known:
            raise InvalidInput(f"{prefix}{key}", "is not a known field")
    customer_id = _text(data, "customer_id", prefix, required=True)
    assert customer_id is not None
    churn_score = _number(data, "churn_score", prefix, required=True)
    assert churn_score is not None
    if not 0.0 <= churn_score <= 1.0:
        raise InvalidInput(f"{prefix}churn_score", f"must be in [0, 1], got {churn_score}")
    context = _context(data.get("context", {}), f"{prefix}context")
    channel = _text(data, "channel", prefix, required=False)
    offer_ids = data.get("offer_ids")
    if offer_ids is not None:
        if not isinstance(offer_ids, list) or not all(isinstance(o, str) for o in offer_ids):
            raise InvalidInput(f"{prefix}offer_ids", "must be a list of offer id strings")
        if not offer_ids:
            raise InvalidInput(f"{prefix}offer_ids", "must not be empty when given")
        offer_ids = tuple(dict.fromkeys(offer_ids))
    explain = data.get("explain", False)
    if not isinstance(explain, bool):
        raise InvalidInput(f"{prefix}explain", f"must be a boolean, got {type(explain).__name__}")
    return DecisionRequest(customer_id, churn_score, context, channel, offer_ids, explain)


def feedback_report(
    kind: FeedbackKind, decision_id: str, data: Mapping[str, object]
) -> FeedbackReport:
    """Validate a decoded outcome or retention body into a FeedbackReport; errors name the field.

    The answer is the kind's field (`accepted`, `retained`); `value` is a finite number, and
    not negative for a retention answer (the customer's value); `ts` an ISO-8601 time.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput("body", "must be a JSON object")
    answer_field = kind.answer_field
    for key in data:
        if key not in (answer_field, "value", "ts"):
            raise InvalidInput(key, "is not a known field")
    answer = data.get(answer_field)
    if not isinstance(answer, bool):
        problem = "is required" if answer is None else "must be true or false"
        raise InvalidInput(answer_field, problem)
    value = _number(data, "value", "", required=False)
    if value is not None and kind is FeedbackKind.RETENTION and value < 0:
        raise InvalidInput("value", f"must be a finite number >= 0, got {value}")
    ts = data.get("ts")
    return FeedbackReport(
        kind, decision_id, answer, value, None if ts is None else parse_time(ts, "ts")
    )


def _text(data: Mapping[str, object], key: str, prefix: str, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidInput(f"{prefix}{key}", "is required")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{prefix}{key}", f"must be a string, got {type(value).__name__}")
    if not value.strip() or len(value) > MAX_ID_CHARS:
        raise InvalidInput(f"{prefix}{key}", f"must be 1 to {MAX_ID_CHARS} characters")
    return value


def _number(data: Mapping[str, object], key: str, prefix: str, *, required: bool) -> float | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidInput(f"{prefix}{key}", "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{prefix}{key}", f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise InvalidInput(f"{prefix}{key}", f"must be finite, got {value}")
    return float(value)


def _context(raw: object, field: str) -> tuple[tuple[str, ContextValue], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise InvalidInput(field, "must be a JSON object of numbers, strings or booleans")
    if len(raw) > MAX_CONTEXT_FIELDS:
        raise InvalidInput(field, f"has {len(raw)} fields, at most {MAX_CONTEXT_FIELDS} allowed")
    items: list[tuple[str, ContextValue]] = []
    for key, value in raw.items():
        name = f"{field}.{key}"
        if not isinstance(key, str) or not key.strip() or len(key) > 100:
            raise InvalidInput(name, "field names must be 1 to 100 characters")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(name, f"must be finite, got {value}")
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            raise InvalidInput(name, f"must be at most {MAX_TEXT_CHARS} characters")
        if value is not None and not isinstance(value, bool | int | float | str):
            raise InvalidInput(name, f"must be a number, string or boolean, not {_kind(value)}")
        items.append((key, value))
    return tuple(sorted(items))


def _kind(value: object) -> str:
    return {"list": "a list", "dict": "an object"}.get(type(value).__name__, type(value).__name__)
