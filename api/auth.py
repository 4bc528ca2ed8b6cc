"""Bearer API keys with roles: 401 without a valid key, 403 for a role not allowed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import current_app, g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from nba.clock import utc_now

P = ParamSpec("P")
R = TypeVar("R")


def requires(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the named roles (and `admin`, which may do everything) to call the route."""
    allowed = frozenset(roles) | {"admin"}

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise Unauthorized("an 'Authorization: Bearer <api key>' header is required")
            key = current_app.extensions["nba"].keys.authenticate(secret.strip())
            if key is None:
                raise Unauthorized("the API key is not valid")
            if key.has_expired(utc_now()):
                raise Unauthorized(f"the API key expired at {key.expires_at}")
            if key.role not in allowed:
                raise Forbidden(f"role {key.role!r} may not call this endpoint")
            g.api_key = key
            return view(*args, **kwargs)

        return wrapped

    return decorate
