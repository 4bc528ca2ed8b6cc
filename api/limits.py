"""Requests per API key, limited by the key's role (the `limits` library): over the limit is a 429.

One budget per key across every route, counted by the key's id (never its secret, never the
remote address), in fixed windows. The counts live in `serving.rate_limit_storage`: "memory://"
counts in each process, so N workers allow up to N times the limit; a shared storage
(redis://) makes every worker and host count together. If that storage stops answering, each
process counts in memory until it answers again (asked again every `RECHECK_S` seconds), and
requests keep being served.

Each role's limits are parsed once, when the app is built: a request costs one counter
increment per limit of its key's role, and nothing for a request without a valid key (its
route refuses it) or a role without limits.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from flask import Flask, Response
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from api.auth import caller
from api.errors import error_reply
from nba.config import ServingSettings
from nba.domain import ROLES, ApiKey
from nba.errors import Unavailable

log = logging.getLogger(__name__)

RECHECK_S = 5.0
"""While the shared storage does not answer, how often a request asks it again."""

_NAMESPACE = "nba"


class RateLimits:
    """The rate limits of one app: each role's, counted per key in the configured storage."""

    def __init__(self, serving: ServingSettings) -> None:
        self._by_role: dict[str, tuple[RateLimitItem, ...]] = {}
        for role in ROLES:
            notation = serving.rate_limit(role)
            if notation:
                self._by_role[role] = tuple(parse_many(notation))
        uri = serving.rate_limit_storage
        in_memory = uri.partition("://")[0] == "memory"
        self._storage = _InProcessCounts() if in_memory else storage_from_string(uri)
        self._shared = FixedWindowRateLimiter(self._storage)
        self._local = self._shared if in_memory else FixedWindowRateLimiter(_InProcessCounts())
        self._lock = threading.Lock()
        self._storage_down_at: float | None = None  # monotonic time it was last found down

    def refusal(self) -> Response | None:
        """The 429 reply for the current request if its key is over a limit, else None (and
        the request is counted)."""
        key = _known_caller()
        if key is None:
            return None
        items = self._by_role.get(key.role)
        if not items:
            return None
        limiter = self._limiter()
        try:
            over = [item for item in items if not limiter.hit(item, _NAMESPACE, key.id)]
        except Exception:  # the storage's own errors (redis, ...): count in memory meanwhile
            self._storage_failed()
            limiter = self._local
            over = [item for item in items if not limiter.hit(item, _NAMESPACE, key.id)]
        if not over:
            return None
        try:
            reset_time = limiter.get_window_stats(over[0], _NAMESPACE, key.id).reset_time
        except Exception:  # the storage went away since the hit: the window's length then
            reset_time = time.time() + over[0].get_expiry()
        return _too_many_requests(over[0], reset_time)

    def _limiter(self) -> FixedWindowRateLimiter:
        """The shared storage's limiter, or this process's while the storage is down."""
        with self._lock:
            down_at = self._storage_down_at
            if down_at is None:
                return self._shared
            if time.monotonic() - down_at < RECHECK_S:
                return self._local
            self._storage_down_at = time.monotonic()  # one request asks; the others go on
        if self._answers():
            with self._lock:
                self._storage_down_at = None
            log.info("rate limit storage answers again: counting there")
            return self._shared
        return self._local

    def _answers(self) -> bool:
        try:
            return bool(self._storage.check())
        except Exception:
            return False

    def _storage_failed(self) -> None:
        with self._lock:
            first = self._storage_down_at is None
            self._storage_down_at = time.monotonic()
        if first:
            log.warning("rate limit storage does not answer: counting in this process meanwhile")


class _InProcessCounts(MemoryStorage):
    """The `limits` library's in-process storage ("memory://"), without its expiry timer.

    MemoryStorage starts a thread 10 ms after a hit to drop expired windows: under load up to
    100 threads a second, and each start waits for the new thread to run, milliseconds inside
    a request on a busy host. An expired window is dropped anyway when its key is counted
    again (`incr` reads it first); without the timer only the windows of keys never used
    again stay, one per API key and limit.
    """

    def _MemoryStorage__schedule_expiry(self) -> None:  # MemoryStorage's private hook
        return None


def install_rate_limits(app: Flask, serving: ServingSettings) -> RateLimits:
    """Limit every authenticated request of `app` by its key's role; returns the limits."""
    limits = RateLimits(serving)
    app.before_request(limits.refusal)
    return limits


def _known_caller() -> ApiKey | None:
    # The database may be down: then no one is counted and the route's own authentication
    # answers 503.
    try:
        return caller()
    except Unavailable:
        return None


def _too_many_requests(limit: RateLimitItem, reset_time: float) -> Response:
    retry_after_s = max(1, math.ceil(reset_time - time.time()))
    reply = error_reply(
        429,
        "rate_limited",
        f"this API key may make {limit} requests; retry after {retry_after_s} s",
        {"limit": str(limit), "retry_after_s": retry_after_s},
    )
    reply.headers["Retry-After"] = str(retry_after_s)
    return reply
