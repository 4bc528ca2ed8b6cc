"""A request id on every reply (`X-Request-Id`) and every log line of a request; the access log.

The caller's `X-Request-Id` is echoed when it is a safe token (1-128 letters, digits and
`._:-`), so that the CRM can follow one call through its logs and ours; otherwise, or when
none is sent, nba makes one. The id is kept in `flask.g.request_id` and in
`nba.logs.REQUEST_ID`, which the log filter reads.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from nba.logs import ACCESS_LOGGER, REQUEST_ID

HEADER = "X-Request-Id"

_SAFE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access_log = logging.getLogger(ACCESS_LOGGER)


_CONVERTER = re.compile(r"<[^<>]*:([^<>:]+)>")
"""A route variable with its converter (`<int(min=0):version>`): logged as `<version>`."""


def current_request_id() -> str:
    """The id of the request being handled (made now if the request began without one)."""
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return str(g.request_id)


def install_request_ids(app: Flask, *, access_log_enabled: bool) -> None:
    """Give each request of `app` an id, send it back, and write the access line if enabled."""

    def begin() -> None:
        given = request.headers.get(HEADER, "")
        g.request_id = given if _SAFE.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()
        g.request_id_token = REQUEST_ID.set(g.request_id)

    def finish(reply: Response) -> Response:
        reply.headers[HEADER] = current_request_id()
        if access_log_enabled:
            _log_access(reply.status_code)
        return reply

    def end(error: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            REQUEST_ID.reset(token)

    # First of all before-request hooks: one that refuses the request (auth, a rate limit)
    # must already find the id, for its reply and its log lines.
    app.before_request_funcs.setdefault(None, []).insert(0, begin)
    app.after_request(finish)
    app.teardown_request(end)


def _log_access(status: int) -> None:
    started = g.get("request_started")
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else None
    rule = _CONVERTER.sub(r"<\1>", request.url_rule.rule) if request.url_rule else "(no route)"
    key = g.get("api_key")
    access_log.info(
        "%s %s %d",
        request.method,
        rule,
        status,
        extra={
            "method": request.method,
            "path": rule,
            "status": status,
            "duration_ms": round(duration_ms, 3) if duration_ms is not None else None,
            "request_id": current_request_id(),
            "key_id": key.id if key is not None else None,
        },
    )
