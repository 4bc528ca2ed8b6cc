"""The console: server-rendered pages under /ui for marketers, analysts and admins.

Sign-in with an API key opens a session (a signed, HttpOnly, SameSite cookie that holds the
key's id, never its secret); every form carries a CSRF token (Flask-WTF). Pages call the same
services as the HTTP API; what a role may not do is neither shown nor accepted.
"""

from __future__ import annotations

import importlib

from flask import Flask

from api.console._blueprint import blueprint
from api.console.access import install_access

__all__ = ["install_console"]

PAGE_MODULES = (
    "signin", "home", "overview", "offers", "dashboard", "decisions", "models", "evaluations",
    "what_if",
    "suppressions",
    "campaigns",
    "uplift",
)  # fmt: skip


def install_console(app: Flask) -> None:
    """Register the console's pages, its session cookie and its CSRF protection on `app`."""
    for name in PAGE_MODULES:  # each adds its pages to the blueprint when imported
        importlib.import_module(f"api.console.{name}")

    install_access(app)
    app.register_blueprint(blueprint)
