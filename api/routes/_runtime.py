"""Access to the process's Runtime from a request."""

from __future__ import annotations

from flask import current_app

from nba.runtime import Runtime


def runtime() -> Runtime:
    """The Runtime built by `create_app`."""
    return current_app.extensions["nba"]
