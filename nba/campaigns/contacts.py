"""The contact policy in a campaign: the rules of decide (`contact_rules.hold`), batch by batch.

A campaign runs on its channel at its send time (`CampaignSpec.send_at`, else when it was
planned). For each batch the runner reads the history of its customers in bulk
(`ContactReader`: one query for the suppression list while anyone is on it, one for their
contacts), and the batch, on whichever engine, holds back what `hold` holds back for each
customer: every offer of a suppressed customer or of one at a window limit, the offers a
decline still cools, and on a channel whose quiet hours are read in the customer's own zone,
every offer of a customer for whom it is quiet then. `no_action` is never held back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from nba.campaigns.reading import ContextValue, CustomerBatch
from nba.campaigns.scoring import Scores
from nba.contact_policy import ContactPolicy, Suppression
from nba.domain import Offer
from nba.serving.contact_rules import RULES, history_span, hold
from nba.storage import Database, contacts
from nba.storage.contacts import Contact

Reasons = Mapping[str, str]
"""Why each held offer is held back, by offer id."""
_NONE: Reasons = {}


@dataclass(frozen=True, slots=True)
class ContactHistory:
    """What the log holds of a batch's customers: their suppressions and recent contacts
    (customers with neither are not named)."""

    suppressions: Mapping[str, Suppression] = field(default_factory=dict)
    contacts: Mapping[str, Sequence[Contact]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Held:
    """What the policy holds back in a batch: `allowed` (rows x offers), and per row the rule
    that held offers back (None: none) and why each is held."""

    allowed: npt.NDArray[np.bool_]
    rules: list[str | None]
    reasons: list[Reasons]

    @staticmethod
    def nothing(n: int, k: int) -> Held:
        """Nothing held back from `n` customers over `k` offers."""
        return Held(np.ones((n, k), dtype=bool), [None] * n, [_NONE] * n)

    def applied(self, scores: Scores, offer_ids: Sequence[str]) -> tuple[Scores, Held]:
        """The scores (columns: `offer_ids`) with the held offers made ineligible, and what was
        held of the offers that were eligible: as in decide, an offer the eligibility rules
        left out is not held back by a contact rule too."""
        eligible = scores.eligible & self.allowed
        held = scores.eligible & ~self.allowed
        rules: list[str | None] = [None] * len(self.rules)
        reasons: list[Reasons] = [_NONE] * len(self.rules)
        trimmed = set(np.flatnonzero((~self.allowed & ~scores.eligible).any(axis=1)).tolist())
        for i in np.flatnonzero(held.any(axis=1)).tolist():
            rules[i], reasons[i] = self.rules[i], self.reasons[i]
            if i in trimmed:
                kept = {offer_ids[j] for j in np.flatnonzero(held[i]).tolist()}
                reasons[i] = {o: why for o, why in reasons[i].items() if o in kept}
        return (
            Scores(
                np.where(eligible, scores.rewards, -np.inf),
                np.where(eligible, scores.accepts, 0.0),
                eligible,
            ),
            Held(~held, rules, reasons),
        )


@dataclass(frozen=True, slots=True)
class CampaignContacts:
    """The contact policy a campaign assigns under: its rules, channel and send time."""

    policy: ContactPolicy
    channel: str | None
    now: datetime
    reward_window_days: float

    @property
    def span(self) -> timedelta | None:
        """How far back the customers' contacts matter (None: not at all)."""
        return history_span(self.policy, self.channel, timedelta(days=self.reward_window_days))

    def held(
        self, customers: CustomerBatch, offers: Sequence[Offer], history: ContactHistory
    ) -> Held:
        """What the policy holds back from each customer of the batch."""
        n, column = customers.size, {o.id: j for j, o in enumerate(offers)}
        if not n or (self.policy.is_empty and not history.suppressions):
            return Held.nothing(n, len(offers))
        allowed = np.ones((n, len(offers)), dtype=bool)
        rules: list[str | None] = [None] * n
        reasons: list[Reasons] = [_NONE] * n

        def put(i: int, rule: str | None, why: Reasons) -> None:
            if why:
                rules[i], reasons[i] = rule, why
                allowed[i, [column[o] for o in why]] = False

        zones = self._zone_fields()
        if zones:  # customers without a history differ by their zones only
            values = [_field(customers, f) for f in zones]
            codes = np.stack([pd.factorize(pd.Series(v, dtype=object))[0] for v in values])
            firsts, group = np.unique(codes, axis=1, return_index=True, return_inverse=True)[1:]
            found = []
            for i in firsts.tolist():
                context = {f: v[i] for f, v in zip(zones, values, strict=True) if v[i] is not None}
                found.append(self._hold(offers, None, (), context))
            masks = np.ones((len(found), len(offers)), dtype=bool)
            for g, (_, why) in enumerate(found):
                masks[g, [column[o] for o in why]] = False
            group = group.ravel()
            allowed = masks[group]
            rules = [found[g][0] if found[g][1] else None for g in group.tolist()]
            reasons = [found[g][1] or _NONE for g in group.tolist()]
        else:
            rule, why = self._hold(offers, None, (), {})
            if why:
                allowed[:, [column[o] for o in why]] = False
                rules[:], reasons[:] = [rule] * n, [why] * n
        known = history.suppressions.keys() | history.contacts.keys()
        for i, customer_id in enumerate(customers.customer_ids):
            if customer_id in known:
                allowed[i] = True
                rules[i], reasons[i] = None, _NONE
                put(
                    i,
                    *self._hold(
                        offers,
                        history.suppressions.get(customer_id),
                        history.contacts.get(customer_id, ()),
                        dict(customers.contexts[i]),
                    ),
                )
        return Held(allowed, rules, reasons)

    def _hold(
        self,
        offers: Sequence[Offer],
        suppression: Suppression | None,
        history: Sequence[Contact],
        context: Mapping[str, ContextValue],
    ) -> tuple[str | None, dict[str, str]]:
        return hold(
            self.policy, self.channel, self.now, offers,
            suppression=suppression, history=history, context=context,
        )  # fmt: skip

    def _zone_fields(self) -> list[str]:
        """The context fields quiet hours on the campaign's channel read a zone from."""
        fields = {
            q.timezone_field
            for q in self.policy.quiet_hours
            if q.timezone_field is not None and q.applies_to(self.channel)
        }
        return sorted(fields)


@dataclass(frozen=True, slots=True)
class BatchScreen:
    """The policy and the history of one batch's customers: what a batch needs to screen."""

    contacts: CampaignContacts
    history: ContactHistory

    def held(self, customers: CustomerBatch, offers: Sequence[Offer]) -> Held:
        return self.contacts.held(customers, offers, self.history)


class ContactReader:
    """Reads the history of a batch's customers from the log, in bulk.

    The suppression list is read while anyone is on it (counted when the reader is made);
    contacts when a rule looks back (`CampaignContacts.span`), from the span before the
    send time on.
    """

    def __init__(self, database: Database, contacts_: CampaignContacts) -> None:
        self._database = database
        self._since = None if contacts_.span is None else contacts_.now - contacts_.span
        with database.session(readonly=True) as session:
            self._any_suppressed = contacts.count_suppressions(session) > 0

    @property
    def reads(self) -> bool:
        """Whether there is anything to read: anyone suppressed, or a rule that looks back."""
        return self._any_suppressed or self._since is not None

    def __call__(self, customer_ids: Sequence[str]) -> ContactHistory:
        """The history of `customer_ids` (two queries at most, none when nothing is read)."""
        customer_ids = [c for c in customer_ids if c]
        if not customer_ids or not self.reads:
            return ContactHistory()
        with self._database.session(readonly=True) as session:
            listed = contacts.suppressions_of(session, customer_ids) if self._any_suppressed else {}
            recent = (
                {}
                if self._since is None
                else contacts.recent_contacts_of(session, customer_ids, self._since)
            )
        return ContactHistory(listed, recent)


def exclusion_counts() -> dict[str, int]:
    """A count per contact rule, each 0 (the rules in their order)."""
    return dict.fromkeys(RULES, 0)


def _field(customers: CustomerBatch, name: str) -> list[ContextValue | None]:
    if customers.columns is not None:
        return customers.columns.get(name, [None] * customers.size)
    return [dict(c).get(name) for c in customers.contexts]
