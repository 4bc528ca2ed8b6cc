"""Contact policies: how often, when and whom nba may contact, over every offer.

The policy is one document stored in the database, edited at run time by marketers and
admins (audited); the suppression list names customers who must not be contacted at all.
Every rule leaves `no_action` alone: not contacting a customer is always allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True, slots=True)
class ContactLimit:
    """At most `max_offers` offers to one customer in `window_days`, on `channel` (None: on
    every channel together, requests without a channel included)."""

    max_offers: int
    window_days: float
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class DeclineCooldown:
    """Days an offer, or every offer of its category, rests after the customer declined one.

    `categories` overrides `category_days` for the categories it names. None: no rest.
    """

    offer_days: float | None = None
    category_days: float | None = None
    categories: tuple[tuple[str, float], ...] = ()

    def days_for(self, category: str) -> float | None:
        """The rest after a decline in `category` for every offer of that category."""
        return dict(self.categories).get(category, self.category_days)

    @property
    def longest_days(self) -> float:
        """The longest rest of any rule (0 when there is none)."""
        spans = [
            self.offer_days or 0.0,
            self.category_days or 0.0,
            *(d for _, d in self.categories),
        ]
        return max(spans)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """No offer on `channel` (None: on any) from `start` to `end`, local time in `timezone`,
    or in the customer's own zone when the context field `timezone_field` holds a valid one.

    A window whose end is before its start runs over midnight (21:00 to 08:00). Times that a
    daylight-saving change skips never come; hours it repeats are quiet both times.
    """

    start: time
    end: time
    timezone: str
    channel: str | None = None
    timezone_field: str | None = None

    def zone_for(self, context: Mapping[str, object]) -> str:
        """The zone the window is read in for a customer with `context`."""
        if self.timezone_field is None:
            return self.timezone
        given = context.get(self.timezone_field)
        return given if isinstance(given, str) and is_zone(given) else self.timezone

    def is_quiet(self, now: datetime, zone: str | None = None) -> bool:
        """Whether `now` (aware) falls inside the window, read on the clock of `zone` (by
        default the window's own)."""
        local = self.local_time(now, zone)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def local_time(self, now: datetime, zone: str | None = None) -> time:
        """The wall-clock time in `zone` (by default the window's) at `now`."""
        return now.astimezone(ZoneInfo(zone or self.timezone)).time().replace(tzinfo=None)

    def applies_to(self, channel: str | None) -> bool:
        """Whether the window covers a request on `channel`."""
        return self.channel is None or self.channel == channel


def is_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this host knows (`Europe/Berlin`, `UTC`)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class ContactPolicy:
    """Every contact rule in force: window limits, decline cool-downs, quiet hours."""

    limits: tuple[ContactLimit, ...] = ()
    cooldown: DeclineCooldown = field(default_factory=DeclineCooldown)
    quiet_hours: tuple[QuietHours, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the policy restricts nothing."""
        c = self.cooldown
        rests = c.offer_days or c.category_days or c.categories
        return not (self.limits or rests or self.quiet_hours)


@dataclass(frozen=True, slots=True)
class Suppression:
    """A customer who must not be contacted (until `expires_at`, if set), and why."""

    customer_id: str
    reason: str
    added_at: datetime
    added_by: str
    expires_at: datetime | None = None

    def is_in_force(self, now: datetime) -> bool:
        """Whether the suppression still holds at `now`."""
        return self.expires_at is None or now < self.expires_at
