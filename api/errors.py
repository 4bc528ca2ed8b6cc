"""The one place where errors become HTTP replies: `{"error": {code, message, details}}`.

`STATUS` gives each error class its status; a 503 (`Unavailable`) adds `Retry-After`. 401/403
come from auth and 405/413 from Werkzeug (HTTP exceptions carry their own status); anything
else is a logged 500 with a request id.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from api.request_ids import current_request_id
from nba.errors import (
    Conflict,
    InvalidInput,
    InvalidSetting,
    NbaError,
    NoEligibleOffer,
    NotFound,
    Unavailable,
    Unsupported,
)
from policies import InvalidModel, InvalidParameter, PolicyError, UnknownPolicy

log = logging.getLogger(__name__)

STATUS: dict[type[Exception], int] = {
    NbaError: 400,
    InvalidInput: 400,
    NotFound: 404,
    Conflict: 409,
    NoEligibleOffer: 422,
    Unsupported: 422,  # a valid request this process cannot serve: no retry helps
    InvalidSetting: 500,  # the process's configuration, never the caller's fault
    Unavailable: 503,  # the database, for now: with Retry-After
    PolicyError: 400,
    InvalidParameter: 400,  # a policy parameter or input the caller sent
    UnknownPolicy: 400,
    InvalidModel: 422,  # stored model bytes the policy cannot load (say, on activation)
}
"""The status of each error class; an error takes the entry of the nearest class it is."""


def status_of(error: Exception) -> int:
    """The status of `error` by `STATUS` (an error of no class there is a 500)."""
    return next((STATUS[cls] for cls in type(error).__mro__ if cls in STATUS), 500)


def _code_of(error: Exception) -> str:
    """NbaError's `code`; for another class its name in snake case (PolicyError: policy_error)."""
    if isinstance(error, NbaError):
        return error.code
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def error_reply(status: int, code: str, message: str, details: dict | None = None) -> Response:
    """A JSON error reply."""
    reply = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    reply.status_code = status
    return reply


def register_error_handlers(app: Flask) -> None:
    """Map nba errors and HTTP errors to JSON replies; anything else is a logged 500.

    Request bodies become InvalidInput in `nba.schemas.parse`; a pydantic ValidationError that
    still reaches here comes from a reply model, a bug of nba's, so it is a 500 like any other.
    """

    def _known_error(error: Exception) -> Response:
        details: dict[str, object] = {}
        if isinstance(error, NbaError):
            message, details = error.message, error.details
        else:
            message = str(error)
            if isinstance(error, InvalidParameter | InvalidModel):
                details["field"] = error.parameter
        reply = error_reply(status_of(error), _code_of(error), message, details)
        if isinstance(error, Unavailable):
            reply.headers["Retry-After"] = str(error.retry_after_s)
        return reply

    for cls in STATUS:
        app.register_error_handler(cls, _known_error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        code = (error.name or "error").lower().replace(" ", "_")
        reply = error_reply(error.code or 500, code, error.description or error.name)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            reply.headers["Allow"] = ", ".join(error.valid_methods)
        return reply

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # The request id and the class name; the traceback's SQL carries no parameters (the
        # engine hides them) and nba.logs' formatters drop PostgreSQL's DETAIL lines.
        request_id = current_request_id()
        error_class = f"{type(error).__module__}.{type(error).__qualname__}"
        log.error(
            "unhandled error request_id=%s error_class=%s",
            request_id,
            error_class,
            exc_info=error,
            extra={"request_id": request_id, "error_class": error_class},
        )
        return error_reply(500, "internal_error", "internal error", {"request_id": request_id})
