"""Replies of the unauthenticated endpoints, and the error body of every failed request."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from nba.schemas._common import Reply


class Health(Reply):
    """GET /healthz and /readyz."""

    status: str
    checks: dict[str, str] = Field(default_factory=dict)


def health_reply(status: str, checks: Mapping[str, str]) -> dict[str, object]:
    """The JSON form of a health or readiness check."""
    return Health(status=status, checks=dict(checks)).model_dump(mode="json")


class ErrorDetail(Reply):
    """The error body of every failed request."""

    code: str
    message: str
    details: dict[str, object] | None = None


class ErrorReply(Reply):
    """`{"error": {code, message, details}}`."""

    error: ErrorDetail
