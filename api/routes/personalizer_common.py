"""The Personalizer blueprint: both SDKs' URL schemes, key auth, errors in Personalizer's shape.

Every route answers on `/personalizer/v1.0/...` and `/personalizer/v1.1-preview.{1,2,3}/...`
(azure-cognitiveservices-personalizer) and on `/personalizer/...?api-version=...`
(azure-ai-personalizer). The caller presents an nba key of role `personalizer` (or `admin`)
in `Ocp-Apim-Subscription-Key` (or as `Authorization: Bearer`); the key's loop answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from api.request_ids import current_request_id
from api.routes._runtime import runtime
from nba.clock import utc_now
from nba.errors import NbaError, NotFound, Unavailable
from nba.personalizer import PersonalizerError
from nba.personalizer.composition import PersonalizerParts

__all__ = ["API_VERSIONS", "blueprint", "body", "loop", "parts", "route"]

log = logging.getLogger(__name__)

API_VERSIONS = ("v1.0", "v1.1-preview.1", "v1.1-preview.2", "v1.1-preview.3")
"""The path versions of azure-cognitiveservices-personalizer and the previews after it."""
_API_VERSION_QUERY = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
_ROLES = frozenset({"personalizer", "admin"})

blueprint = Blueprint("personalizer", __name__)
F = TypeVar("F", bound=Callable[..., Response])


def route(path: str, methods: list[str]) -> Callable[[F], F]:
    """Register a view on both URL schemes; its path versions are not passed to it."""
    versions = ", ".join(f'"{v}"' for v in API_VERSIONS)

    def decorate(view: F) -> F:
        endpoint = f"{view.__name__}"
        blueprint.add_url_rule(f"/personalizer{path}", endpoint, view, methods=methods)
        blueprint.add_url_rule(
            f"/personalizer/<any({versions}):api_version>{path}",
            f"{endpoint}_versioned",
            view,
            methods=methods,
        )
        return view

    return decorate


def parts() -> PersonalizerParts:
    """This process's Personalizer parts."""
    return runtime().personalizer


def loop() -> str:
    """The loop of the calling key (set before the view runs)."""
    name: str = g.personalizer_loop
    return name


def body() -> object:
    """The request's JSON body (any content type); BadRequest if it is not JSON."""
    data = request.get_json(force=True, silent=True)
    if data is None:
        raise PersonalizerError("BadRequest", "the request body must be JSON")
    return data


@blueprint.url_value_preprocessor
def _drop_version(endpoint: str | None, values: dict[str, object] | None) -> None:
    # `g.path_version`: the path named a version (v1.0 replies), else the query did.
    g.path_version = values.pop("api_version", None) if values is not None else None


@blueprint.before_request
def _authenticate() -> None:
    version = request.args.get("api-version")
    if version is not None and not _API_VERSION_QUERY.match(version):
        raise PersonalizerError("BadRequest", f"unsupported api-version {version!r}")
    secret = request.headers.get("Ocp-Apim-Subscription-Key", "").strip()
    if not secret:
        scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
        secret = bearer.strip() if scheme.lower() == "bearer" else ""
    if not secret:
        raise PersonalizerError(
            "Unauthorized", "an 'Ocp-Apim-Subscription-Key: <nba api key>' header is required"
        )
    key = runtime().keys.authenticate(secret)
    if key is None or key.has_expired(utc_now()):
        log.warning("personalizer request refused reason=invalid_key request_id=%s",
                    current_request_id())  # fmt: skip
        raise PersonalizerError("Unauthorized", "the subscription key is not valid")
    if key.role not in _ROLES:
        raise PersonalizerError(
            "InvalidApiAccess", f"role {key.role!r} may not call the Personalizer API"
        )
    g.api_key = key
    g.personalizer_loop = parts().loops.loop_of(key)


def _reply(error: PersonalizerError) -> Response:
    reply = jsonify(error.body())
    reply.status_code = error.status
    return reply


@blueprint.errorhandler(PersonalizerError)
def _personalizer_error(error: PersonalizerError) -> Response:
    return _reply(error)


@blueprint.errorhandler(NbaError)
def _nba_error(error: NbaError) -> Response:
    if isinstance(error, Unavailable):
        reply = _reply(PersonalizerError("OperationNotAllowed", error.message))
        reply.headers["Retry-After"] = str(error.retry_after_s)
        return reply
    if isinstance(error, NotFound):
        return _reply(PersonalizerError("ResourceNotFound", error.message))
    return _reply(PersonalizerError("BadRequest", error.message, target=error.field))


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    if isinstance(error, RequestEntityTooLarge):
        return _reply(PersonalizerError("PayloadSizeExceeded", "the request body is too large"))
    code = "ResourceNotFound" if error.code == 404 else "BadRequest"
    reply = jsonify({"error": {"code": code, "message": error.description or error.name}})
    reply.status_code = error.code or 400
    return reply


@blueprint.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    request_id = current_request_id()
    log.error("unhandled personalizer error request_id=%s", request_id, exc_info=error)
    return _reply(PersonalizerError("InternalServerError", f"internal error ({request_id})"))
