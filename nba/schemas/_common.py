"""What every body and reply shares: strictness, limits, field types, and one parse function."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails, core_schema

from nba.clock import parse_time
from nba.errors import InvalidInput

OFFER_ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
"""An offer id is a slug: lowercase letters, digits, '_' or '-', at most 64 characters."""
MAX_ID_CHARS = 200
"""Customer ids, channels and names."""
MAX_FIELD_NAME_CHARS = 100
"""Names of context fields and offer features."""
MAX_CONTEXT_FIELDS = 200
MAX_TEXT_CHARS = 500
"""A string value of a context field."""
MAX_DESCRIPTION_CHARS = 2000
DEFAULT_ALPHA = 0.05
"""Evaluations: 1 - the confidence level of the intervals, in (0, 1)."""
DEFAULT_N_BOOTSTRAP = 200
MAX_N_BOOTSTRAP = 2000
"""Evaluations over HTTP: bootstrap resamples in [0, MAX_N_BOOTSTRAP] (0: point estimates)."""

NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"
"""The pattern of a string that is not blank and holds no NUL character."""
NO_NUL = r"^[^\x00]*$"
"""The pattern of every other string a body holds: PostgreSQL cannot store a NUL in text."""
MAX_PROBLEMS = 20
"""The most problems of one body an error lists."""
MAX_NUMBER = 1e9
"""The largest magnitude of a context or feature number (the learner's encoding takes no more)."""

M = TypeVar("M", bound=BaseModel)


class Body(BaseModel):
    """Strict request bodies: wrong types and unknown fields are errors, not coerced."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _text_is_storable(cls, data: Any) -> Any:
        check_text(data)
        return _integral_numbers_as_ints(cls, data)


def _integral_numbers_as_ints(model: type[BaseModel], data: object) -> object:
    """`data` with `5.0` as `5` in the fields that take an int and no float: JSON (and the
    OpenAPI document) counts 5.0 as an integer, strict pydantic would not."""
    if not isinstance(data, dict):
        return data
    fixed = dict(data)
    for name, info in model.model_fields.items():
        key = info.alias or name
        value = fixed.get(key)
        if isinstance(value, float) and value.is_integer() and _takes_only_int(info.annotation):
            fixed[key] = int(value)
    return fixed


def _takes_only_int(annotation: object) -> bool:
    members = (
        get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    )
    kinds = {get_args(m)[0] if get_origin(m) is Annotated else m for m in members}
    return int in kinds and float not in kinds


class Reply(BaseModel):
    """A reply, built from domain values and sent as `model_dump(mode="json")`.

    Unknown fields are errors, so the schema says no other key is ever sent.
    """

    model_config = ConfigDict(extra="forbid")


def parse(model: type[M], data: object) -> M:
    """`data` (a decoded JSON object) validated by `model`; InvalidInput naming every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_input(error, data, model) from None


def invalid_input(
    error: ValidationError, data: object, model: type[BaseModel] | None = None
) -> InvalidInput:
    """Every problem of `error` in one InvalidInput, unknown fields first, one per place.

    A place is the path of keys and list indexes into the body (`requests.1.churn_score`,
    `context.plan`); the tags pydantic adds to a location (a union member, `[key]`) are not
    places in the body and are left out. A missing field is named although it is not there.
    An unknown field gets the closest field name of `model` at its place, if one is close
    (`catgory: unknown field (did you mean 'category'?)`). `details["field"]` is the first
    place, `details["problems"]` lists `{"field", "problem"}` for each, and the message is
    the problems joined by "; " (the first MAX_PROBLEMS of them, and how many more).
    """
    problems: dict[str, str] = {}
    entries = sorted(error.errors(), key=lambda entry: entry["type"] != "extra_forbidden")
    for entry in entries:
        problems.setdefault(_place(entry, data), _problem(entry, model))
    (field, problem), *rest = shown = list(problems.items())[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    message = "; ".join(
        [problem, *(f"{place}: {what}" for place, what in rest)]
        + ([f"and {more} more problem{'' if more == 1 else 's'}"] if more else [])
    )
    listed = [{"field": place, "problem": what} for place, what in shown]
    return InvalidInput(field, message, problems=listed)


def _place(entry: ErrorDetails, data: object) -> str:
    """Where in `data` the problem `entry` is, as a dotted path ("body" for the whole)."""
    loc, parts = entry["loc"], []
    here = data
    for i, step in enumerate(loc):
        found, child = _child(here, step)
        if found:
            here = child
        elif not (entry["type"].startswith("missing") and i == len(loc) - 1):
            continue
        parts.append(str(step))
    return ".".join(parts) or "body"


def _problem(entry: ErrorDetails, model: type[BaseModel] | None) -> str:
    kind = entry["type"]
    if kind == "extra_forbidden":
        name = str(entry["loc"][-1]) if entry["loc"] else ""
        known = _field_names(model, entry["loc"][:-1]) if model is not None else []
        close = difflib.get_close_matches(name, known, n=1)
        return f"unknown field (did you mean {close[0]!r}?)" if close else "unknown field"
    problem = _PROBLEMS.get(kind, entry["msg"].removeprefix("Value error, "))
    if kind == "string_pattern_mismatch":
        pattern = entry.get("ctx", {}).get("pattern")
        problem = _PATTERNS.get(pattern, problem) if isinstance(pattern, str) else problem
    return problem


def _field_names(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names (aliases) of the model found at `loc` inside `model`, or []."""
    here: type[BaseModel] | None = model
    for step in loc:
        fields = here.model_fields if here is not None else {}
        if isinstance(step, str) and step in fields:
            here = _model_in(fields[step].annotation)
        # else a list index or a tag of pydantic's: the same model holds the next step
    if here is None:
        return []
    return [info.alias or name for name, info in here.model_fields.items()]


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The first pydantic model inside `annotation` (`CapsSpec | None`, `list[ConditionSpec]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for member in get_args(annotation):
        found = _model_in(member)
        if found is not None:
            return found
    return None


def problem_text(problem: ErrorDetails) -> str:
    """One problem pydantic found, in the words of nba's errors (`is required`, ...)."""
    return _problem(problem, None)


def check_text(data: object) -> None:
    """Refuse a NUL character or a lone surrogate in any key or string of `data`.

    Neither can be stored (PostgreSQL text holds no NUL; UTF-8 has no lone surrogates), so both
    are a 400 naming the field (`requests.0.customer_id`), in every body, before any other rule.
    """
    if _all_storable(data):  # the common case, without building any field's path
        return
    stack: list[tuple[object, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            _check_string(value, path or "body")
        elif isinstance(value, Mapping):
            for key, child in value.items():
                place = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    _check_string(key, place, what="the name")
                stack.append((child, place))
        elif isinstance(value, list):
            stack.extend(
                (child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(value)
            )


def _all_storable(data: object) -> bool:
    """Whether no key or string of `data` holds a NUL character or a lone surrogate."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if not _storable(value):
                return False
        elif isinstance(value, Mapping):
            if not all(_storable(k) for k in value if isinstance(k, str)):
                return False
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_string(text: str, field: str, what: str = "") -> None:
    subject = f"{what} " if what else ""
    if "\x00" in text:
        raise InvalidInput(field, f"{subject}must not contain a NUL character".strip())
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(field, f"{subject}must be valid Unicode".strip()) from None


def _child(container: object, step: str | int) -> tuple[bool, object]:
    """Whether `step` is a key or index of `container`, and what it holds there."""
    if isinstance(container, Mapping) and step in container:
        return True, container[step]
    if isinstance(container, list) and isinstance(step, int) and 0 <= step < len(container):
        return True, container[step]
    return False, None


_PROBLEMS = {"missing": "is required"}
_PATTERNS = {
    NOT_BLANK: "must not be blank",
    OFFER_ID_PATTERN: "must be a slug: lowercase letters, digits, '_' or '-', at most 64",
}


def not_null(schema: dict[str, Any]) -> None:
    """The JSON schema of a field that may be left out but not sent as null (json_schema_extra)."""
    branches = schema.pop("anyOf", [])
    kept = [branch for branch in branches if branch != {"type": "null"}]
    if len(kept) == 1:
        schema.update(kept[0])
    elif kept:
        schema["anyOf"] = kept
    schema.pop("default", None)


@dataclass(frozen=True, slots=True)
class OneOf:
    """A string that must be one of `values` (an enum in the JSON schema)."""

    values: tuple[str, ...]

    def __get_pydantic_core_schema__(
        self, source: object, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "enum": list(self.values)}

    def _check(self, value: str) -> str:
        if value not in self.values:
            raise ValueError(f"must be one of {', '.join(self.values)}, got {value!r}")
        return value


def _time(raw: object) -> datetime:
    try:
        return parse_time(raw, "time")
    except InvalidInput as error:
        # parse_time names the field in its message: the body's field is named by the path.
        raise ValueError(error.message.partition(": ")[2]) from None


def _context_value(value: object) -> float | int | str | bool | None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be finite, got {value}")
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        raise ValueError(f"must be within ±{MAX_NUMBER:g}, got {value}")
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise ValueError(f"must be at most {MAX_TEXT_CHARS} characters")
    if value is not None and not isinstance(value, bool | int | float | str):
        raise ValueError(f"must be a number, string or boolean, not {_kind(value)}")
    return value


def _feature_value(value: object) -> float | int | str | bool:
    if value is None:
        raise ValueError("must be a number, string or boolean, not null")
    checked = _context_value(value)
    assert checked is not None
    return checked


def _isoformat(value: datetime) -> str:
    return value.isoformat()


def _kind(value: object) -> str:
    return {"list": "a list", "dict": "an object"}.get(type(value).__name__, type(value).__name__)


_SCALAR_LIMITS = {
    "minimum": -MAX_NUMBER,
    "maximum": MAX_NUMBER,
    "maxLength": MAX_TEXT_CHARS,
    "pattern": NO_NUL,
}
"""A scalar's limits in JSON schema: each keyword applies to its type only."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS, pattern=NOT_BLANK)]
"""An id or a name: 1 to MAX_ID_CHARS characters, not blank."""
FieldName = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_FIELD_NAME_CHARS, pattern=NOT_BLANK)
]
"""The name of a context field or of an offer feature."""
ContextValue = Annotated[
    float | int | str | bool | None,
    PlainValidator(_context_value),
    WithJsonSchema({"type": ["number", "string", "boolean", "null"], **_SCALAR_LIMITS}),
]
"""A context field's value: a finite number, a string of at most MAX_TEXT_CHARS, a boolean, null."""
FeatureValue = Annotated[
    float | int | str | bool,
    PlainValidator(_feature_value),
    WithJsonSchema({"type": ["number", "string", "boolean"], **_SCALAR_LIMITS}),
]
"""An offer feature's value: a finite number, a string or a boolean."""
Time = Annotated[
    datetime,
    BeforeValidator(_time),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""An ISO-8601 time the caller sends (naive times are UTC), as `nba.clock.parse_time` reads it."""
Timestamp = Annotated[datetime, PlainSerializer(_isoformat, return_type=str)]
"""A time in a reply, as `datetime.isoformat()` writes it (`2026-01-01T10:00:00+00:00`)."""
