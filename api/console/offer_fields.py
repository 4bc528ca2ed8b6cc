"""The offer's fields in words, and the text the form shows for their values."""

from __future__ import annotations

import re
from datetime import datetime

FIELD_LABELS: dict[str, str] = {
    "id": "Offer id",
    "name": "Name",
    "description": "Description",
    "category": "Category",
    "cost": "Cost per accept",
    "value": "Value when accepted",
    "features": "Features",
    "eligibility.churn_min": "Lowest churn score",
    "eligibility.churn_max": "Highest churn score",
    "eligibility.segments": "Segments",
    "eligibility.plans": "Plans",
    "eligibility.channels": "Channels",
    "eligibility.conditions": "Conditions",
    "eligibility.expression": "Expression",
    "caps.max_per_customer": "Contacts per customer",
    "caps.window_days": "Contact window in days",
    "caps.budget_accepts": "Budget in accepts",
    "caps.budget_money": "Budget in money",
    "caps.budget_accepts_per_day": "Budget in accepts per day",
    "caps.budget_money_per_day": "Budget in money per day",
    "starts_at": "Starts at (UTC)",
    "ends_at": "Ends at (UTC)",
    "status": "Status",
    "offer_id": "Offer",
}
"""Each field of an offer (by its path in the API body) in words."""

_NAMES_IN_MESSAGES = {"churn_min": "the lowest churn score", "starts_at": "the start"}
"""Field names the schema's and catalog's messages quote, in the form's words."""
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def label_of(path: str) -> str:
    """A field path (`caps.budget_money`, `features.discount_pct`) in words."""
    if path.startswith("features."):
        return f"Feature {path.partition('.')[2]}"
    return FIELD_LABELS.get(path, path)


def in_words(message: str) -> str:
    """A message with the field names it quotes (`churn_min`) in the form's words."""
    for name, words in _NAMES_IN_MESSAGES.items():
        message = re.sub(rf"\b{name}\b", words, message)
    return message


def number(text: str) -> object:
    """`text` as an int or a float; the text itself if it is neither (the schema says so)."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def optional_number(text: str) -> object:
    """`number(text)`, or None for an empty input (a field left unset)."""
    return number(text) if text.strip() else None


def items(text: str) -> list[str]:
    """The items of a comma-separated list, blanks left out."""
    return [item.strip() for item in text.split(",") if item.strip()]


def kind_of(value: object) -> str:
    """How the form reads a feature's or condition's value back: number, text or yes-no."""
    if isinstance(value, bool):
        return "yes-no"
    return "number" if isinstance(value, int | float) else "text"


def text_of(value: object) -> str:
    """A value as the form shows it in an input (yes / no for booleans, empty for None)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # 80, not 80.0: read back, the two are equal
    return str(value)


def time_text(value: datetime | None) -> str:
    """A time as a datetime-local input takes it (UTC, to the second)."""
    return "" if value is None else value.strftime(_TIME_FORMAT)
