"""Bearer API keys with roles: 401 without a valid key, 403 for a role not allowed.

A refused request is counted (`nba_auth_failures_total{reason}`) and logged at WARNING with
the remote address and the request id, never with the key or any part of it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import current_app, g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from nba.clock import utc_now
from nba.domain import ApiKey

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)

FAILURE_REASONS = ("missing", "malformed", "invalid", "expired", "wrong_role")
"""Why a request was refused: no Authorization header, not `Bearer <key>`, a key that is not
valid (unknown, revoked or expired), a valid key whose role may not call the route."""

_NEEDS_BEARER = "an 'Authorization: Bearer <api key>' header is required"
_INVALID = "the API key is not valid"
_MESSAGES = {"invalid": _INVALID, "expired": "the API key has expired"}


def caller() -> ApiKey | None:
    """The valid key the current request presents, or None; looked up once per request.

    The rate limiter asks before the route runs, `requires` when it does: one lookup serves both.
    """
    if "nba_caller" not in g:
        g.nba_caller = _identify()
    key: ApiKey | None = g.nba_caller[0]
    return key


def requires(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the named roles (and `admin`, which may do everything) to call the route."""
    allowed = frozenset(roles) | {"admin"}

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            key = caller()
            if key is None:
                reason = g.nba_caller[1]
                _refused(reason)
                raise Unauthorized(_MESSAGES.get(reason, _NEEDS_BEARER))
            if key.role not in allowed:
                _refused("wrong_role", key)
                raise Forbidden(f"role {key.role!r} may not call this endpoint")
            g.api_key = key
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _identify() -> tuple[ApiKey | None, str]:
    """The presented key and "" if it is valid, else None and the reason it is not."""
    header = request.headers.get("Authorization")
    if header is None:
        return None, "missing"
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None, "malformed"
    key = current_app.extensions["nba"].keys.authenticate(secret.strip())
    if key is None:
        return None, "invalid"
    if key.has_expired(utc_now()):
        return None, "expired"
    return key, ""


def _refused(reason: str, key: ApiKey | None = None) -> None:
    current_app.extensions["nba_metrics"].auth_failures.labels(reason).inc()
    log.warning(
        "request refused reason=%s key_id=%s remote_addr=%s request_id=%s method=%s path=%s",
        reason,
        key.id if key is not None else "-",
        request.remote_addr or "-",
        g.get("request_id") or "-",
        request.method,
        request.path,
    )
