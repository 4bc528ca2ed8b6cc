"""Access to the process's Runtime, and to who is calling, from a request."""

from __future__ import annotations

from flask import current_app, g

from nba.domain import Actor
from nba.runtime import Runtime


def runtime() -> Runtime:
    """The Runtime built by `create_app`."""
    return current_app.extensions["nba"]


def actor() -> Actor:
    """Who makes this request's changes: its authenticated API key (set by `requires`)."""
    return Actor.of_key(g.api_key)
