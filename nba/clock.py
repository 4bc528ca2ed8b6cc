"""Time: the default clock and the one parser of times that users send."""

from __future__ import annotations

from datetime import UTC, datetime

from nba.errors import InvalidInput


def utc_now() -> datetime:
    """The default clock: now, in UTC."""
    return datetime.now(UTC)


def parse_time(raw: object, field: str) -> datetime:
    """An ISO-8601 time with a zone (naive times are taken as UTC); `field` names it in errors."""
    if isinstance(raw, datetime):
        parsed = raw
    elif isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(field, f"must be an ISO-8601 time, got {raw!r}") from None
    else:
        raise InvalidInput(field, "must be an ISO-8601 time string")
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)  # stored and compared in UTC: it must have a UTC time
    except OverflowError:
        raise InvalidInput(field, f"is out of range in UTC, got {raw!r}") from None
    return parsed
