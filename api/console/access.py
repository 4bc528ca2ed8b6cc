"""Who is signed in to the console, what their role may see, and CSRF on every form.

The session remembers the key's id only; each page asks the KeyRing whether that key still
works, so a revoked or expired key ends its sessions within the ring's cache life.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import ParamSpec, TypeVar

from flask import Flask, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from api.console._blueprint import blueprint
from api.routes._runtime import runtime
from nba.domain import ApiKey
from nba.runtime import Runtime

P = ParamSpec("P")
R = TypeVar("R")

SESSION_HOURS = 8
"""A console session lasts this long after sign-in, then asks for the key again."""

_csrf = CSRFProtect()


def install_access(app: Flask) -> None:
    """Session cookie settings, the signing secret (shared by every process) and CSRF."""
    nba_runtime: Runtime = app.extensions["nba"]
    app.secret_key = nba_runtime.keys.session_secret()
    app.config.update(
        SESSION_COOKIE_NAME="nba_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/ui",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_CHECK_DEFAULT=False,  # the bearer-key API needs none; the console checks below
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
    )
    app.session_interface = _CookieSessions()
    _csrf.init_app(app)


class _CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, opened without building the cookie's signer when the
    request sends no console cookie (every API call): a fresh empty session, as Flask's own
    would be."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


@blueprint.before_request
def _check_csrf() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        _csrf.protect()


@blueprint.app_context_processor
def _template_helpers() -> dict[str, object]:
    from api.console.nav import pages_for

    return {"signed_in": signed_in, "may": may, "nav_pages": pages_for}


def signed_in() -> ApiKey | None:
    """The key the console session belongs to, if it still works; looked up once per request."""
    if "console_key" not in g:
        key_id = session.get("key_id")
        g.console_key = runtime().keys.valid_by_id(key_id) if isinstance(key_id, str) else None
    key: ApiKey | None = g.console_key
    return key


def may(*roles: str) -> bool:
    """Whether the signed-in key's role is one of `roles` (admin may do everything)."""
    key = signed_in()
    return key is not None and (key.role in roles or key.role == "admin")


def sign_in_as(key: ApiKey) -> None:
    """Start a fresh session for `key` (a new cookie: no fixation of an older one)."""
    session.clear()
    session.permanent = True
    session["key_id"] = key.id


def sign_out() -> None:
    session.clear()


def page(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """A console page for the named roles (and admin): else sign-in, or 403 for another role."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            key = signed_in()
            if key is None:
                return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")))
            if not may(*roles):
                abort(403)
            g.api_key = key  # who makes the changes, for the audit log (api.routes._runtime.actor)
            return view(*args, **kwargs)

        return wrapped

    return decorate
