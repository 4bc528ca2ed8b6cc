"""Unauthenticated endpoints: health, readiness, metrics, OpenAPI and its reference page.

`/docs` is Swagger UI, served from the `swagger-ui-py` package's files (no CDN), reading
`/openapi.json`; "Authorize" takes an API key for "Try it out".
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from werkzeug.wrappers import Response as Redirect

from api.openapi import openapi_document
from api.routes._runtime import runtime
from nba import schemas

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def root() -> Redirect:
    """The console (it asks for an API key); the API reference is linked from there."""
    return redirect(url_for("console.home"))


@blueprint.get("/healthz")
def healthz() -> tuple[dict, int]:
    """The process is up."""
    return schemas.health_reply("ok", {}), 200


@blueprint.get("/readyz")
def readyz() -> tuple[dict, int]:
    """The process can serve: the database takes writes and a policy is loaded.

    503 otherwise, its check naming why: `unreachable`, `read_only`, `disk_full`, ...
    """
    problem = runtime().database.health()
    checks = {"database": problem or "ok", "policy": "ok"}
    status = 200 if problem is None else 503
    return schemas.health_reply("ok" if problem is None else "unavailable", checks), status


@blueprint.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics of this process."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    # `content_type`, not `mimetype`: Werkzeug would add a second charset to the one the
    # exposition format's type already names.
    return Response(
        generate_latest(current_app.extensions["nba_metrics"].registry),
        content_type=CONTENT_TYPE_LATEST,
    )


@blueprint.get("/openapi.json")
def openapi() -> tuple[dict, int]:
    """The OpenAPI 3 description of every endpoint."""
    return openapi_document(), 200


@blueprint.get("/docs")
def docs() -> str:
    """The API reference: Swagger UI over /openapi.json, with try-it and a bearer key."""
    return render_template("docs.html", title=openapi_document()["info"]["title"])


@blueprint.get("/docs/static/<path:filename>")
def docs_asset(filename: str) -> Response:
    """Swagger UI's own files (scripts, styles), cached for a day."""
    return send_from_directory(_swagger_ui_folder(), filename, max_age=86_400)


def _swagger_ui_folder() -> Path:
    from importlib.resources import files

    # The package is a plain folder of files (a wheel, installed unzipped).
    return Path(str(files("swagger_ui") / "static"))
