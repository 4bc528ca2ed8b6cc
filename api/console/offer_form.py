"""The offer form: its inputs, the API body they make, and each problem placed at its input.

The form only turns text into the JSON body the HTTP API takes (numbers, lists, typed feature
values); what a valid offer is stays in `nba.schemas` (OfferBody, OfferPatch) and the catalog
service. Their problems are mapped back from the body's field path to the input they came
from, and worded with the field's name (`FIELD_LABELS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from api.console.offer_fields import (
    FIELD_LABELS,
    in_words,
    items,
    kind_of,
    label_of,
    number,
    optional_number,
    text_of,
    time_text,
)
from nba.domain import Offer
from nba.errors import InvalidInput, NbaError
from nba.schemas import OfferBody, OfferPatch, offer_changes, problem_text

_INPUT_OF_PATH = {
    path: path.rpartition(".")[2]
    for path in FIELD_LABELS
    if path.startswith(("eligibility.", "caps."))
}
"""Inputs named differently from their path: `eligibility.churn_min` is the input `churn_min`."""
SIMPLE_INPUTS = (
    "id", "name", "description", "category", "cost", "value", "churn_min", "churn_max",
    "segments", "plans", "channels", "expression", "max_per_customer", "window_days",
    "budget_accepts", "budget_money", "budget_accepts_per_day", "budget_money_per_day",
    "starts_at", "ends_at", "status",
)  # fmt: skip
KINDS = ("number", "text", "yes-no")
"""How a feature's or a condition's value is read: a number, text as written, yes or no."""
EMPTY_ROWS = 1
"""Blank rows of features and of conditions under the filled ones."""
_YES, _NO = ("yes", "true", "1"), ("no", "false", "0")


@dataclass(frozen=True, slots=True)
class FeatureRow:
    name: str = ""
    kind: str = "number"
    value: str = ""

    @property
    def is_blank(self) -> bool:
        return not self.name.strip() and not self.value.strip()


@dataclass(frozen=True, slots=True)
class ConditionRow:
    field: str = ""
    op: str = "eq"
    kind: str = "number"
    value: str = ""

    @property
    def is_blank(self) -> bool:
        return not self.field.strip() and not self.value.strip()


@dataclass(frozen=True, slots=True)
class OfferForm:
    """What the form shows: its inputs' text, its rows, and each problem at its input's name."""

    values: Mapping[str, str]
    features: tuple[FeatureRow, ...]
    conditions: tuple[ConditionRow, ...]
    errors: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def with_row(self, kind: str) -> OfferForm:
        """The same form with one more blank row of features or of conditions."""
        if kind == "feature":
            return replace(self, features=(*self.features, FeatureRow()))
        if kind == "condition":
            return replace(self, conditions=(*self.conditions, ConditionRow()))
        return self

    def with_errors(self, errors: Mapping[str, str]) -> OfferForm:
        return replace(self, errors={**self.errors, **errors})


Row = TypeVar("Row", FeatureRow, ConditionRow)
Model = TypeVar("Model", OfferBody, OfferPatch)


def blank_form() -> OfferForm:
    """The form of a new offer, with the defaults of the API."""
    values = {"category": "discount", "cost": "0", "churn_min": "0", "churn_max": "1",
              "window_days": "30", "status": "active"}  # fmt: skip
    return _padded(OfferForm(values, (), ()))


def form_of_offer(offer: Offer) -> OfferForm:
    """The form filled with an offer's current fields."""
    rules, caps = offer.eligibility, offer.caps
    values = {
        "id": offer.id, "name": offer.name, "description": offer.description,
        "category": offer.category, "cost": text_of(offer.cost), "value": text_of(offer.value),
        "churn_min": text_of(rules.churn_min), "churn_max": text_of(rules.churn_max),
        "segments": ", ".join(rules.segments), "plans": ", ".join(rules.plans),
        "channels": ", ".join(rules.channels), "expression": rules.expression or "",
        "max_per_customer": text_of(caps.max_per_customer),
        "window_days": text_of(caps.window_days),
        "budget_accepts": text_of(caps.budget_accepts),
        "budget_money": text_of(caps.budget_money),
        "budget_accepts_per_day": text_of(caps.budget_accepts_per_day),
        "budget_money_per_day": text_of(caps.budget_money_per_day),
        "starts_at": time_text(offer.starts_at), "ends_at": time_text(offer.ends_at),
        "status": offer.status,
    }  # fmt: skip
    features = tuple(FeatureRow(n, kind_of(v), text_of(v)) for n, v in offer.features)
    conditions = tuple(
        ConditionRow(
            c.field,
            c.op,
            kind_of(c.value[0] if isinstance(c.value, tuple) and c.value else c.value),
            ", ".join(text_of(v) for v in c.value)
            if isinstance(c.value, tuple)
            else text_of(c.value),
        )
        for c in rules.conditions
    )
    return _padded(OfferForm(values, features, conditions))


def form_of_request(posted: MultiDict[str, str]) -> OfferForm:
    """The form as the browser sent it (rows as many as it sent, blank ones dropped)."""
    values = {name: posted.get(name, "") for name in SIMPLE_INPUTS if name in posted}
    features = tuple(
        FeatureRow(*(posted.get(f"feature-{i}-{part}", "") for part in ("name", "kind", "value")))
        for i in range(_rows(posted, "feature"))
    )
    conditions = tuple(
        ConditionRow(
            *(posted.get(f"condition-{i}-{part}", "") for part in ("field", "op", "kind", "value"))
        )
        for i in range(_rows(posted, "condition"))
    )
    kept = OfferForm(
        values,
        tuple(r for r in features if not r.is_blank),
        tuple(r for r in conditions if not r.is_blank),
    )
    return _padded(kept)


def new_offer_body(form: OfferForm) -> OfferBody | OfferForm:
    """The validated body of a new offer, or the form with every problem at its input."""
    body, problems = _body(form, with_id=True)
    checked = _validated(OfferBody, body, form)
    if problems or isinstance(checked, dict):
        return form.with_errors({**(checked if isinstance(checked, dict) else {}), **problems})
    return checked


def edit_body(form: OfferForm, current: Offer) -> OfferPatch | OfferForm | None:
    """The validated changes to `current` (only the fields that differ), the form with its
    problems, or None when no field changed."""
    body, problems = _body(form, with_id=False)
    checked = _validated(OfferPatch, body, form)
    if problems or isinstance(checked, dict):
        return form.with_errors({**(checked if isinstance(checked, dict) else {}), **problems})
    changed = {name for name, new in offer_changes(checked).items() if _differs(current, name, new)}
    if not changed:
        return None
    return OfferPatch.model_validate({name: body[name] for name in body if name in changed})


def service_errors(error: NbaError, form: OfferForm) -> dict[str, str] | None:
    """The catalog's refusal placed at its input, if it names one the form has."""
    path = "id" if error.code == "conflict" and "id" in error.details else error.field
    if path is None or path in ("body", "offer_id"):
        return None
    message = error.message.partition(": ")[2] if isinstance(error, InvalidInput) else str(error)
    return {_input_of(path.split("."), form): f"{label_of(path)}: {in_words(message)}"}


def _body(form: OfferForm, *, with_id: bool) -> tuple[dict[str, object], dict[str, str]]:
    """The API body of the form's inputs, and the problems found in reading their text."""
    problems: dict[str, str] = {}
    body: dict[str, object] = {}
    names = ("id", "name", "category", "status") if with_id else ("name", "category")
    for name in names:
        if form.value(name).strip() or name != "status":
            body[name] = form.value(name).strip()
    body["description"] = form.value("description").strip()
    body["cost"] = number(form.value("cost")) if form.value("cost").strip() else 0.0
    body["value"] = optional_number(form.value("value"))
    body["features"] = _features(form, problems)
    body["eligibility"] = {
        "churn_min": number(form.value("churn_min") or "0"),
        "churn_max": number(form.value("churn_max") or "1"),
        "segments": items(form.value("segments")),
        "plans": items(form.value("plans")),
        "channels": items(form.value("channels")),
        "conditions": [_condition(i, row, problems) for i, row in _filled(form.conditions)],
        "expression": form.value("expression").strip() or None,
    }
    body["caps"] = {
        "max_per_customer": optional_number(form.value("max_per_customer")),
        "window_days": number(form.value("window_days") or "30"),
        "budget_accepts": optional_number(form.value("budget_accepts")),
        "budget_money": optional_number(form.value("budget_money")),
        "budget_accepts_per_day": optional_number(form.value("budget_accepts_per_day")),
        "budget_money_per_day": optional_number(form.value("budget_money_per_day")),
    }
    for name in ("starts_at", "ends_at"):
        body[name] = form.value(name).strip() or None
    return body, problems


def _features(form: OfferForm, problems: dict[str, str]) -> dict[str, object]:
    features: dict[str, object] = {}
    for i, row in _filled(form.features):
        name = row.name.strip()
        if not name:
            problems[f"feature-{i}-name"] = "Feature name: is required (or clear the row)"
        elif name in features:
            problems[f"feature-{i}-name"] = f"Feature name: {name!r} is there twice"
        else:
            place = f"feature-{i}-value"
            features[name] = _typed(row.kind, row.value, (place, f"Feature {name}"), problems)
    return features


def _condition(i: int, row: ConditionRow, problems: dict[str, str]) -> dict[str, object]:
    place = (f"condition-{i}-value", f"Condition {i + 1} value")
    if row.op in ("in", "not_in"):
        value: object = [_typed(row.kind, v, place, problems) for v in items(row.value)]
    else:
        value = _typed(row.kind, row.value, place, problems)
    return {"field": row.field.strip(), "op": row.op, "value": value}


def _typed(kind: str, text: str, place: tuple[str, str], problems: dict[str, str]) -> object:
    """A feature's or condition's value read as its kind says; a problem at `place` (the
    input and its label) if it cannot be."""
    text = text.strip()
    name, label = place
    if kind == "number":
        read = number(text)
        if isinstance(read, str):
            problems[name] = f"{label}: {text!r} is not a number (choose text to keep it as is)"
        return read
    if kind == "yes-no":
        if text.lower() not in _YES + _NO:
            problems[name] = f"{label}: write yes or no, got {text!r}"
        return text.lower() in _YES
    return text


def _validated(
    model: type[Model], body: dict[str, object], form: OfferForm
) -> Model | dict[str, str]:
    """The body validated by the API's schema, or every problem it finds at its input."""
    try:
        return model.model_validate(body)
    except InvalidInput as error:  # text no database can store (a NUL character)
        path = error.field or "form"
        reason = error.message.partition(": ")[2]
        return {_input_of(path.split("."), form): f"{label_of(path)}: {reason}"}
    except ValidationError as error:
        found: dict[str, str] = {}
        for problem in error.errors():
            loc = [str(step) for step in problem["loc"]]
            blank = (
                problem["type"] == "string_too_short"
                and problem.get("ctx", {}).get("min_length") == 1
            )
            message = "is required" if blank else in_words(problem_text(problem))
            found.setdefault(_input_of(loc, form), f"{_label_of_loc(loc)}: {message}")
        return found


def _input_of(loc: list[str], form: OfferForm) -> str:
    """The name of the input a body path (as pydantic or the catalog gives it) came from."""
    head = loc[0] if loc else "form"
    if head == "features" and len(loc) > 1:
        rows = dict((row.name.strip(), i) for i, row in _filled(form.features))
        part = "name" if "[key]" in loc else "value"
        return f"feature-{rows[loc[1]]}-{part}" if loc[1] in rows else "features"
    if head in ("eligibility", "caps") and len(loc) > 1:
        if loc[1] == "conditions" and len(loc) > 2 and loc[2].isdigit():
            used = [i for i, _ in _filled(form.conditions)]
            row = used[int(loc[2])] if int(loc[2]) < len(used) else 0
            part = loc[3] if len(loc) > 3 and loc[3] in ("field", "op", "value") else "value"
            return f"condition-{row}-{part}"
        return _INPUT_OF_PATH.get(f"{head}.{loc[1]}", head)
    return head if head in SIMPLE_INPUTS else "form"


def _label_of_loc(loc: list[str]) -> str:
    if loc[:1] == ["features"] and len(loc) > 1:
        return "Feature name" if "[key]" in loc else label_of(f"features.{loc[1]}")
    if loc[:2] == ["eligibility", "conditions"] and len(loc) > 3:
        return f"Condition {int(loc[2]) + 1} {loc[3]}" if loc[2].isdigit() else "Condition"
    return label_of(".".join(loc[:2]) if loc[:1] in (["eligibility"], ["caps"]) else loc[0])


def _differs(current: Offer, name: str, new: object) -> bool:
    old = getattr(current, name)
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old.replace(microsecond=0) != new.replace(microsecond=0)
    return bool(old != new)


def _padded(form: OfferForm) -> OfferForm:
    return replace(
        form,
        features=(*form.features, *[FeatureRow()] * EMPTY_ROWS),
        conditions=(*form.conditions, *[ConditionRow()] * EMPTY_ROWS),
    )


def _filled(rows: tuple[Row, ...]) -> list[tuple[int, Row]]:
    return [(i, row) for i, row in enumerate(rows) if not row.is_blank]


def _rows(posted: MultiDict[str, str], prefix: str) -> int:
    indexes = [
        int(key.split("-")[1])
        for key in posted
        if key.startswith(f"{prefix}-") and key.split("-")[1].isdigit()
    ]
    return max(indexes, default=-1) + 1
