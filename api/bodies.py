"""Read a JSON request body strictly, once: malformed JSON, NaN and wrong types name the field."""

from __future__ import annotations

import json
from typing import TypeVar

from flask import request

from nba.errors import InvalidInput
from nba.schemas import Body, parse

B = TypeVar("B", bound=Body)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def read_json() -> object:
    """The decoded body; InvalidInput('body', ...) when it is not strict JSON."""
    raw = request.get_data(cache=True)
    if not raw:
        raise InvalidInput("body", "a JSON body is required")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("body", f"malformed JSON: {error}") from None


def read_body(model: type[B]) -> B:
    """The body validated by `model`; InvalidInput naming the first bad field."""
    data = read_json()
    if not isinstance(data, dict):
        raise InvalidInput("body", "must be a JSON object")
    return parse(model, data)
