"""What routes read from the path and the query string, refused with a 400 when unusable.

Ids and query values must hold no NUL character (PostgreSQL cannot compare them); model
versions are numbers their column can hold; a decision id is never `batch`, so the URL of
the batch endpoint offers only its own methods (OPTIONS lists POST, not the look-up's GET).
"""

from __future__ import annotations

from flask import Blueprint, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from nba.errors import InvalidInput
from nba.schemas import check_text

MAX_VERSION = 2**31 - 1
"""The largest version number: the column is a 32-bit integer in PostgreSQL."""
VERSION = f"int(min=0, max={MAX_VERSION})"
"""The converter of a version in a rule (`<VERSION:version>`): a larger number matches no route."""
_VERSION_DIGITS = len(str(MAX_VERSION))


class DecisionIdConverter(BaseConverter):
    """A decision id in a path: any segment but `batch`, the batch endpoint's own."""

    regex = r"(?!batch(?![^/]))[^/]+"


def install(blueprint: Blueprint) -> None:
    """Give `blueprint` the `decision_id` converter and the check of path and query text."""

    def converters(state: BlueprintSetupState) -> None:
        state.app.url_map.converters.setdefault("decision_id", DecisionIdConverter)

    blueprint.record_once(converters)
    blueprint.before_request(_check_request_text)


def _check_request_text() -> None:
    """A NUL in a path id or a query value is a 400 naming it."""
    check_text(request.view_args or {})
    for name, values in request.args.lists():
        for value in values:
            check_text({name: value})


def version_arg(name: str) -> int:
    """A model version number from the query string; InvalidInput naming it otherwise."""
    version = optional_version_arg(name)
    if version is None:
        raise InvalidInput(name, "is required: a model version number")
    return version


def optional_version_arg(name: str) -> int | None:
    """A model version number from the query string if given; InvalidInput naming it if bad."""
    raw = request.args.get(name)
    if raw is None:
        return None
    digits = raw.isascii() and raw.isdigit() and len(raw) <= _VERSION_DIGITS
    if not digits or int(raw) > MAX_VERSION:
        raise InvalidInput(name, f"must be a version number up to {MAX_VERSION}, got {raw!r}")
    return int(raw)
