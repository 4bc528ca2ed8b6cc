"""The one place where errors become HTTP replies: `{"error": {code, message, details}}`."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from nba.errors import Conflict, InvalidInput, NbaError, NoEligibleOffer, NotFound

log = logging.getLogger(__name__)

# pydantic puts the tried member of a union into the location ("context.x.float"): drop it.
_UNION_TAG = re.compile(r"^(float|int|str|bool|none|.*\[.*\]|function-.*)$")

STATUS = {InvalidInput: 400, NotFound: 404, Conflict: 409, NoEligibleOffer: 422}


def error_reply(status: int, code: str, message: str, details: dict | None = None) -> Response:
    """A JSON error reply."""
    reply = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    reply.status_code = status
    return reply


def invalid_from_pydantic(error: ValidationError) -> InvalidInput:
    """The first pydantic problem as an InvalidInput naming the field path."""
    first = error.errors()[0]
    parts = [str(p) for p in first["loc"] if not _UNION_TAG.match(str(p))]
    field = ".".join(parts) or "body"
    return InvalidInput(field, first["msg"], problems=len(error.errors()))


def register_error_handlers(app: Flask) -> None:
    """Map nba errors, validation errors and HTTP errors to JSON replies."""

    @app.errorhandler(NbaError)
    def _nba_error(error: NbaError) -> Response:
        status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
        return error_reply(status, error.code, error.message, error.details)

    @app.errorhandler(ValidationError)
    def _validation_error(error: ValidationError) -> Response:
        return _nba_error(invalid_from_pydantic(error))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        code = (error.name or "error").lower().replace(" ", "_")
        reply = error_reply(error.code or 500, code, error.description or error.name)
        if error.code == 405 and error.valid_methods:
            reply.headers["Allow"] = ", ".join(error.valid_methods)
        return reply

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        request_id = uuid.uuid4().hex
        log.exception("unhandled error request_id=%s", request_id)
        return error_reply(500, "internal_error", "internal error", {"request_id": request_id})
