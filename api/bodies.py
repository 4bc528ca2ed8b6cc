"""Read a JSON request body strictly, once: malformed JSON, NaN and wrong types name the field.

The body is read up to the size limit, also when it comes chunked (no Content-Length): a longer
one is a 413, never cut and parsed. Duplicate keys and nesting deeper than `MAX_DEPTH` are 400s,
so no object means two things and no body can exhaust the parser's stack.
"""

from __future__ import annotations

import json
import re
from typing import IO, TypeVar

import orjson
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from nba.errors import InvalidInput
from nba.schemas import Body, parse

B = TypeVar("B", bound=Body)

MAX_DEPTH = 32
"""Objects and lists nested deeper than this are refused (no body needs more than 5)."""


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


_KEY_END = re.compile(rb'"\s*:')
"""Where an object's key ends: every key of a JSON text matches once; text inside strings
(an escaped quote before a colon) may match more, never less."""

_LONG_DIGITS = re.compile(rb"\d{19}")
"""A number orjson may read otherwise than the standard parser (an integer past 64 bits it
makes a float), or digits inside a string."""


def read_json() -> object:
    """The decoded body; InvalidInput('body', ...) when it is not strict JSON."""
    raw = _read_raw()
    if not raw:
        raise InvalidInput("body", "a JSON body is required")
    # orjson first (a tenth of the standard parser's time with its duplicate-key hook). It
    # refuses NaN and malformed text as the strict reading does; those, any body whose keys
    # it may have merged (fewer keys decoded than key ends in the text) and any with very
    # long numbers are read again the strict way, which names the problem.
    if _LONG_DIGITS.search(raw):
        return _read_strictly(raw)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _read_strictly(raw)
    depth, keys = _shape(data)
    if keys != len(_KEY_END.findall(raw)):
        return _read_strictly(raw)
    if depth > MAX_DEPTH:
        raise InvalidInput("body", f"nested deeper than {MAX_DEPTH} levels")
    return data


def _read_strictly(raw: bytes) -> object:
    try:
        data = json.loads(raw, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except _DuplicateKey as error:
        raise InvalidInput("body", f"key {error.key!r} appears twice", key=error.key) from None
    except RecursionError:
        raise InvalidInput("body", f"nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("body", f"malformed JSON: {error}") from None
    if _shape(data)[0] > MAX_DEPTH:
        raise InvalidInput("body", f"nested deeper than {MAX_DEPTH} levels")
    return data


def read_body(model: type[B]) -> B:
    """The body validated by `model`; InvalidInput naming the first bad field."""
    data = read_json()
    if not isinstance(data, dict):
        raise InvalidInput("body", "must be a JSON object")
    return parse(model, data)


def _read_raw() -> bytes:
    """The body's bytes; RequestEntityTooLarge when there are more than the limit."""
    limit = request.max_content_length
    streamed = request.content_length is None and "wsgi.input_terminated" in request.environ
    if limit is None or not streamed:
        return request.get_data(cache=True)  # Werkzeug refuses a Content-Length over the limit
    return _read_at_most(request.environ["wsgi.input"], limit)


def _read_at_most(stream: IO[bytes], limit: int) -> bytes:
    """All of `stream`, which must hold at most `limit` bytes (Werkzeug's own wrapper stops at
    the limit silently when the length is not known in advance)."""
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    return b"".join(parts)


def _shape(data: object) -> tuple[int, int]:
    """How deeply lists and objects nest in `data` (a scalar: 0), and how many keys its
    objects hold in all; without recursion."""
    stack: list[tuple[dict | list, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    deepest = keys = 0
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(value, dict):
            keys += len(value)
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return deepest, keys
