"""Requests per API key, limited by the key's role (Flask-Limiter): over the limit is a 429.

One budget per key across every route, counted by the key's id (never its secret, never the
remote address). The counts live in `serving.rate_limit_storage`: "memory://" counts in each
process, so N workers allow up to N times the limit; a shared storage (redis://) makes every
worker and host count together. If that storage stops answering, each process counts in memory
until it answers again, and requests keep being served.
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit

from api.auth import caller
from api.errors import error_reply
from nba.config import ServingSettings
from nba.domain import ROLES, ApiKey
from nba.errors import Unavailable


def install_rate_limits(app: Flask, serving: ServingSettings) -> Limiter:
    """Limit every authenticated request of `app` by its key's role; returns the limiter."""
    limits_by_role = {role: serving.rate_limit(role) for role in ROLES}

    def known_caller() -> ApiKey | None:
        # The database may be down: then the limiter counts no one and the route's own
        # authentication answers 503 (the limiter would log its failure as a traceback).
        try:
            return caller()
        except Unavailable:
            return None

    def limit_of_caller() -> str:
        key = known_caller()
        return limits_by_role.get(key.role, "") if key is not None else ""

    def key_id() -> str:
        key = known_caller()
        return key.id if key is not None else ""

    limiter = Limiter(
        key_id,
        application_limits=[limit_of_caller],
        storage_uri=serving.rate_limit_storage,
        strategy="fixed-window",
        key_prefix="nba",
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        on_breach=_too_many_requests,
    )
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _breached_reply)
    return limiter


def _too_many_requests(limit: RequestLimit) -> Response:
    retry_after_s = max(1, math.ceil(limit.window.reset_time - time.time()))
    reply = error_reply(
        429,
        "rate_limited",
        f"this API key may make {limit.limit} requests; retry after {retry_after_s} s",
        {"limit": str(limit.limit), "retry_after_s": retry_after_s},
    )
    reply.headers["Retry-After"] = str(retry_after_s)
    return reply


def _breached_reply(error: RateLimitExceeded) -> Response:
    if isinstance(error.response, Response):
        return error.response
    return error_reply(429, "rate_limited", str(error.description))
