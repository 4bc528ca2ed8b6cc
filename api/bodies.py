"""Read a JSON request body strictly, once: malformed JSON, NaN and wrong types name the field.

The body is read up to the size limit, also when it comes chunked (no Content-Length): a longer
one is a 413, never cut and parsed. Duplicate keys and nesting deeper than `MAX_DEPTH` are 400s,
so no object means two things and no body can exhaust the parser's stack.
"""

from __future__ import annotations

import json
from typing import IO, TypeVar

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


def read_json() -> object:
    """The decoded body; InvalidInput('body', ...) when it is not strict JSON."""
    raw = _read_raw()
    if not raw:
        raise InvalidInput("body", "a JSON body is required")
    try:
        data = json.loads(raw, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except _DuplicateKey as error:
        raise InvalidInput("body", f"key {error.key!r} appears twice", key=error.key) from None
    except RecursionError:
        raise InvalidInput("body", f"nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("body", f"malformed JSON: {error}") from None
    if _depth(data) > MAX_DEPTH:
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


def _depth(data: object) -> int:
    """How deeply lists and objects nest in `data` (a scalar: 0), without recursion."""
    stack: list[tuple[dict | list, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    deepest = 0
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return deepest
