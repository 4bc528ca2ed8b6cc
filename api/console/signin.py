"""Sign in with an API key, sign out; the console's error pages."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api.console._blueprint import blueprint
from api.console.access import sign_in_as, sign_out, signed_in
from api.routes._runtime import runtime
from nba.clock import utc_now
from nba.errors import NbaError

_SIGN_IN_LIMIT = "20/minute"
"""Sign-in attempts per remote address: enough for a person, too few to guess keys."""


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response | tuple[str, int]:
    """The sign-in form; a valid key starts a session and goes where the user was going."""
    target = _safe_target(request.values.get("next", ""))
    if request.method == "GET":
        if signed_in() is not None:
            return redirect(target)
        return render_template("console/signin.html", next=target, error=None)
    secret = request.form.get("api_key", "").strip()
    key = runtime().keys.authenticate(secret) if secret else None
    if key is None or key.has_expired(utc_now()):
        reason = "missing" if not secret else ("invalid" if key is None else "expired")
        current_app.extensions["nba_metrics"].auth_failures.labels(reason).inc()
        error = {
            "missing": "Enter an API key.",
            "invalid": "This API key is not valid (unknown or revoked).",
            "expired": "This API key has expired: ask an admin for a new one.",
        }[reason]
        return render_template("console/signin.html", next=target, error=error), 401
    sign_in_as(key)
    return redirect(target)


@blueprint.post("/sign-out")
def sign_out_page() -> Response:
    """End the session (the form carries its CSRF token)."""
    sign_out()
    return redirect(url_for("console.sign_in"))


def _safe_target(target: str) -> str:
    """Only a console path: never an absolute URL (no open redirect after sign-in)."""
    if target.startswith("/ui") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.home")


@blueprint.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> tuple[str, int]:
    message = (
        "This form has expired or did not come from the console. Reload the page and try again."
    )
    return render_template("console/error.html", status=400, message=message), 400


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    messages = {
        403: "Your role may not open this page.",
        404: "There is no such page or record.",
    }
    message = messages.get(status, error.description or "")
    return render_template("console/error.html", status=status, message=message), status


@blueprint.errorhandler(NbaError)
def _nba_error(error: NbaError) -> tuple[str, int]:
    from api.errors import status_of

    status = status_of(error)
    return render_template("console/error.html", status=status, message=str(error)), status
