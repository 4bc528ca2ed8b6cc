"""The contact policy inside decide: suppression, quiet hours, window limits, cool-downs.

Each rule leaves `no_action` alone and says, for each offer it holds back, why (led by the
rule's name: `suppressed:`, `quiet hours:`, `contact limit:`, `cool-down:`). The policy and
whether any customer is suppressed are re-read at most every `ttl_s` seconds (at once after a
change made through this process); the counts are read per request, by customer and time.
`hold` is the rules themselves, on data already read: decide and campaigns
(`nba.campaigns.contacts`, which reads a batch's history in bulk) both call it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session

from nba.contact_policy import ContactLimit, ContactPolicy, DeclineCooldown, Suppression
from nba.domain import NO_ACTION_ID, ContextValue, Decision, Offer
from nba.errors import InvalidInput
from nba.schemas import parse
from nba.schemas.contacts import ContactPolicyBody
from nba.storage import Database, contacts
from nba.storage.contacts import Contact

log = logging.getLogger(__name__)

RULES = ("suppressed", "quiet_hours", "contact_limit", "cooldown")
"""The rule names `/metrics` counts refusals by."""


class ContactRules:
    """Holds back the offers the contact policy forbids for one request; counts refusals."""

    def __init__(self, database: Database, *, ttl_s: float, reward_window_days: float) -> None:
        self._database = database
        self._ttl_s = ttl_s
        self._reward_window = timedelta(days=reward_window_days)
        self._lock = threading.Lock()
        self._policy = ContactPolicy()
        self._any_suppressed = False
        self._loaded_at = -float("inf")
        self._refusals = dict.fromkeys(RULES, 0)

    def invalidate(self) -> None:
        """Forget the policy read; the next decision reads it again."""
        with self._lock:
            self._loaded_at = -float("inf")

    def refusal_counts(self) -> dict[str, int]:
        """Decisions in which each rule held back at least one offer, since start."""
        with self._lock:
            return dict(self._refusals)

    def policy(self) -> ContactPolicy:
        """The policy in force in this process (at most `ttl_s` old)."""
        return self._current()[0]

    def screen(
        self,
        customer_id: str,
        channel: str | None,
        offers: Sequence[Offer],
        now: datetime,
        earlier: Sequence[Decision] = (),
        context: Mapping[str, ContextValue] | None = None,
    ) -> tuple[list[Offer], list[tuple[Offer, str]]]:
        """The offers of `offers` the policy allows, and the others with why.

        `earlier` are decisions of the same batch, not yet in the log: they count as contacts.
        `context` is the request's (quiet hours may read the customer's zone from it).
        """
        policy, any_suppressed = self._current()
        contacts_ = [o for o in offers if o.id != NO_ACTION_ID]
        if not contacts_ or (policy.is_empty and not any_suppressed):
            return list(offers), []
        context = context or {}
        entry: Suppression | None = None
        history: list[Contact] = []
        span = history_span(policy, channel, self._reward_window)
        is_quiet = _quiet(policy, channel, now, context)[1] is not None
        if not is_quiet and (any_suppressed or span is not None):
            with self._database.session(readonly=True) as session:
                if any_suppressed:
                    entry = contacts.get_suppression(session, customer_id)
                if span is not None and not is_suppressed(entry, now):
                    history = contacts.recent_contacts(session, customer_id, now - span)
        mine = [d for d in earlier if d.customer_id == customer_id]
        rule, held = hold(
            policy, channel, now, contacts_, suppression=entry, history=history,
            earlier=mine, context=context,
        )  # fmt: skip
        if rule is not None:
            with self._lock:
                self._refusals[rule] += 1
        allowed = [o for o in offers if o.id not in held]
        return allowed, [(o, held[o.id]) for o in offers if o.id in held]

    def _current(self) -> tuple[ContactPolicy, bool]:
        now = time.monotonic()
        if now - self._loaded_at < self._ttl_s:
            return self._policy, self._any_suppressed
        with self._lock:
            if now - self._loaded_at >= self._ttl_s:
                self._policy, self._any_suppressed = self._load()
                self._loaded_at = time.monotonic()
            return self._policy, self._any_suppressed

    def _load(self) -> tuple[ContactPolicy, bool]:
        with self._database.session(readonly=True) as session:
            return read_policy(session), contacts.count_suppressions(session) > 0


def read_policy(session: Session) -> ContactPolicy:
    """The stored policy; an empty one (restricting nothing) when none was set, or when the
    stored document cannot be read (logged as a WARNING)."""
    document = contacts.get_policy_json(session)
    if document is None:
        return ContactPolicy()
    try:
        return parse(ContactPolicyBody, document).policy()
    except InvalidInput as error:
        log.warning("the stored contact policy cannot be read, none applies: %s", error)
        return ContactPolicy()


def hold(
    policy: ContactPolicy,
    channel: str | None,
    now: datetime,
    offers: Sequence[Offer],
    *,
    suppression: Suppression | None,
    history: Sequence[Contact],
    earlier: Sequence[Decision] = (),
    context: Mapping[str, ContextValue],
) -> tuple[str | None, dict[str, str]]:
    """The rule that holds offers of `offers` back from one customer (None: none), and why
    each is held, by offer id; `no_action` is never held.

    The rules go in order: quiet hours, the suppression list, window limits (each holds every
    offer), then the cool-downs (each offer by its own and its category's declines).
    `suppression` is the customer's entry (None: not listed), `history` their contacts since
    `history_span` before `now`, `earlier` their decisions not yet in the log.
    """
    contacts_ = [o for o in offers if o.id != NO_ACTION_ID]
    if not contacts_:
        return None, {}
    rule, why = _quiet(policy, channel, now, context)
    if why is None and is_suppressed(suppression, now):
        assert suppression is not None
        rule, why = "suppressed", _suppressed_words(suppression)
    if why is None:
        rule, why = _over_limit(policy, channel, now, history, earlier)
    if why is not None:
        return rule, {o.id: why for o in contacts_}
    if not policy.cooldown.longest_days:
        return None, {}
    held = _cooling(policy.cooldown, contacts_, history, now)
    return ("cooldown" if held else None), held


def is_suppressed(entry: Suppression | None, now: datetime) -> bool:
    """Whether a suppression entry (None: not listed) holds at `now`."""
    return entry is not None and entry.is_in_force(now)


def history_span(
    policy: ContactPolicy, channel: str | None, reward_window: timedelta
) -> timedelta | None:
    """How far back a customer's contacts matter for a decision on `channel` (None: not at
    all): the longest window that applies, or a cool-down plus the reward window (a decline
    comes at most that long after its decision)."""
    spans = [timedelta(days=x.window_days) for x in policy.limits if x.channel in (None, channel)]
    if policy.cooldown.longest_days > 0:
        spans.append(timedelta(days=policy.cooldown.longest_days) + reward_window)
    return max(spans, default=None)


def quiet_for_everyone(policy: ContactPolicy, channel: str | None, now: datetime) -> str | None:
    """Why `channel` is quiet at `now` for every customer (a window read on its own clock,
    not the customer's zone), or None."""
    fixed = tuple(q for q in policy.quiet_hours if q.timezone_field is None)
    return _quiet(replace(policy, quiet_hours=fixed), channel, now, {})[1]


def _suppressed_words(entry: Suppression) -> str:
    until = "" if entry.expires_at is None else f" until {_when(entry.expires_at)}"
    because = f" ({entry.reason})" if entry.reason else ""
    return f"suppressed: on the suppression list{until}{because}"


def _cooling(
    rest: DeclineCooldown, offers: Sequence[Offer], history: Sequence[Contact], now: datetime
) -> dict[str, str]:
    """Why each offer a recent decline still holds back is held back, by offer id."""
    declines = [(c, c.declined_at) for c in history if c.declined_at is not None]
    held: dict[str, str] = {}
    for offer in offers if declines else ():
        why = _cooling_reason(rest, offer, declines, now)
        if why is not None:
            held[offer.id] = why
    return held


def _cooling_reason(
    rest: DeclineCooldown,
    offer: Offer,
    declines: Sequence[tuple[Contact, datetime]],
    now: datetime,
) -> str | None:
    """Why a decline still holds `offer` back (the offer's own rest first), or None."""
    own_days, category_days = rest.offer_days, rest.days_for(offer.category)
    if own_days:
        for contact, at in declines:
            if contact.offer_id == offer.id and now < at + timedelta(days=own_days):
                return (
                    f"cool-down: declined {_when(at)}; an offer rests {own_days:g} days "
                    "after its decline"
                )
    if category_days:
        for contact, at in declines:
            if contact.category == offer.category and now < at + timedelta(days=category_days):
                return (
                    f"cool-down: {contact.offer_id} ({contact.category}) declined {_when(at)}; "
                    f"{contact.category} offers rest {category_days:g} days after a decline"
                )
    return None


def _quiet(
    policy: ContactPolicy, channel: str | None, now: datetime, context: Mapping[str, ContextValue]
) -> tuple[str | None, str | None]:
    for q in policy.quiet_hours:
        zone = q.zone_for(context)
        if q.applies_to(channel) and q.is_quiet(now, zone):
            where = "every channel" if q.channel is None else q.channel
            local = q.local_time(now, zone).strftime("%H:%M")
            return "quiet_hours", (
                f"quiet hours: {where} is quiet {q.start:%H:%M}-{q.end:%H:%M} {zone} "
                f"(it is {local} there)"
            )
    return None, None


def _over_limit(
    policy: ContactPolicy,
    channel: str | None,
    now: datetime,
    history: Sequence[Contact],
    earlier: Sequence[Decision],
) -> tuple[str | None, str | None]:
    for limit in policy.limits:
        if limit.channel not in (None, channel):
            continue
        since = now - timedelta(days=limit.window_days)
        used = sum(1 for c in history if c.ts >= since and limit.channel in (None, c.channel))
        used += sum(
            1 for d in earlier if d.chosen != NO_ACTION_ID and limit.channel in (None, d.channel)
        )
        if used >= limit.max_offers:
            return "contact_limit", _limit_words(limit, used)
    return None, None


def _limit_words(limit: ContactLimit, used: int) -> str:
    on = "" if limit.channel is None else f" on {limit.channel}"
    plural = "" if used == 1 else "s"
    return (
        f"contact limit: {used} offer{plural}{on} in the last {limit.window_days:g} days "
        f"(at most {limit.max_offers})"
    )


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
