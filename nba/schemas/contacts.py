"""Contact policies: the policy document (limits, cool-downs, quiet hours) and the suppression
list, as bodies and replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Annotated, Self
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from nba.contact_policy import (
    ContactLimit,
    ContactPolicy,
    DeclineCooldown,
    QuietHours,
    Suppression,
    is_zone,
)
from nba.domain import CATEGORIES
from nba.schemas._common import (
    MAX_TEXT_CHARS,
    Body,
    FieldName,
    OneOf,
    Reply,
    Text,
    Time,
    Timestamp,
)
from nba.serving.eligibility import MAX_WINDOW_DAYS

Days = Annotated[float, Field(gt=0, le=MAX_WINDOW_DAYS)]
"""A span in days: more than 0, at most MAX_WINDOW_DAYS (fractions allowed: 0.5 is 12 hours)."""
Category = Annotated[str, OneOf(CATEGORIES)]
ClockTime = Annotated[
    str,
    Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["21:00"]),
]
"""A wall-clock time as HH:MM (00:00 to 23:59)."""


def _zone(name: str) -> str:
    if not is_zone(name):
        raise ValueError(f"must be an IANA time zone such as Europe/Berlin, got {name!r}")
    return name


Zone = Annotated[
    str,
    Field(min_length=1, max_length=100),
    AfterValidator(_zone),
    WithJsonSchema({"type": "string", "enum": sorted(available_timezones())}),
]
"""An IANA time zone this host knows (`Europe/Berlin`, `UTC`)."""


class ContactLimitSpec(Body):
    """At most `max_offers` offers to a customer in `window_days`, on `channel` (left out or
    null: every channel together)."""

    max_offers: int = Field(ge=0)
    window_days: Days
    channel: Text | None = None


class CooldownSpec(Body):
    """Days an offer rests after the customer declined it (`offer_days`), and every offer of
    its category (`category_days`, or `categories` per category); null: no rest."""

    offer_days: Days | None = None
    category_days: Days | None = None
    categories: dict[Category, Days] = Field(default_factory=dict)


class QuietHoursSpec(Body):
    """No offers on `channel` (null: any) from `start` to `end` (HH:MM, local time in
    `timezone`, or in the zone a request sends in the context field `timezone_field`); an end
    before the start runs over midnight."""

    channel: Text | None = None
    start: ClockTime
    end: ClockTime
    timezone: Zone = "UTC"
    timezone_field: FieldName | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("end: must differ from start")
        return self


class ContactPolicyBody(Body):
    """PUT /v1/contact-policy (and its reply): every contact rule in force, replaced whole.

    Each rule leaves `no_action` alone; an empty document restricts nothing.
    """

    limits: list[ContactLimitSpec] = Field(default_factory=list)
    decline_cooldown: CooldownSpec = Field(default_factory=CooldownSpec)
    quiet_hours: list[QuietHoursSpec] = Field(default_factory=list)

    def policy(self) -> ContactPolicy:
        """The domain value."""
        c = self.decline_cooldown
        return ContactPolicy(
            limits=tuple(ContactLimit(s.max_offers, s.window_days, s.channel) for s in self.limits),
            cooldown=DeclineCooldown(c.offer_days, c.category_days, tuple(c.categories.items())),
            quiet_hours=tuple(
                QuietHours(_time(q.start), _time(q.end), q.timezone, q.channel, q.timezone_field)
                for q in self.quiet_hours
            ),
        )

    @classmethod
    def of(cls, policy: ContactPolicy) -> Self:
        """The document of a policy."""
        c = policy.cooldown
        return cls(
            limits=[
                ContactLimitSpec(max_offers=x.max_offers, window_days=x.window_days,
                                 channel=x.channel)
                for x in policy.limits
            ],
            decline_cooldown=CooldownSpec(
                offer_days=c.offer_days, category_days=c.category_days,
                categories=dict(c.categories),
            ),
            quiet_hours=[
                QuietHoursSpec(channel=q.channel, start=q.start.strftime("%H:%M"),
                               end=q.end.strftime("%H:%M"), timezone=q.timezone,
                               timezone_field=q.timezone_field)
                for q in policy.quiet_hours
            ],
        )  # fmt: skip


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def contact_policy_reply(policy: ContactPolicy) -> dict[str, object]:
    """The JSON form of the policy in force."""
    return ContactPolicyBody.of(policy).model_dump(mode="json")


class SuppressionBody(Body):
    """POST /v1/suppressions: a customer who must not be contacted (until `expires_at`)."""

    customer_id: Text
    reason: str = Field("", max_length=MAX_TEXT_CHARS)
    expires_at: Time | None = None


class SuppressionReply(Reply):
    """One customer on the suppression list."""

    customer_id: str
    reason: str
    added_at: Timestamp
    added_by: str
    expires_at: Timestamp | None

    @classmethod
    def of(cls, entry: Suppression) -> Self:
        """The reply of one suppression."""
        return cls(
            customer_id=entry.customer_id,
            reason=entry.reason,
            added_at=entry.added_at,
            added_by=entry.added_by,
            expires_at=entry.expires_at,
        )


class SuppressionList(Reply):
    """GET /v1/suppressions: a page ordered by customer id; `next_after` asks for the next."""

    suppressions: list[SuppressionReply]
    total: int
    next_after: str | None


class SuppressionImport(Reply):
    """What an import did: customers added, and those already listed whose entry it replaced."""

    added: int
    replaced: int


def suppression_reply(entry: Suppression) -> dict[str, object]:
    """The JSON form of one suppression."""
    return SuppressionReply.of(entry).model_dump(mode="json")


def suppression_list_reply(
    entries: Sequence[Suppression], total: int, limit: int
) -> dict[str, object]:
    """The JSON form of a page of the suppression list."""
    full = len(entries) == limit
    return SuppressionList(
        suppressions=[SuppressionReply.of(e) for e in entries],
        total=total,
        next_after=entries[-1].customer_id if full and entries else None,
    ).model_dump(mode="json")
