"""The catalog's figures: each offer's shows, accepts, acceptance rate with its 95% interval
and spend, for all time and the last 30 and 7 days, and its spend against its budget.

Definitions are those of `nba.evaluation.stats` (a show is a decision that chose the offer; the
rate is accepts among answered decisions, a default outcome counting as declined, with a
Wilson interval) and of the budget check (spend costs each accept at the offer version its
decision saw; the reservation ledger says whether one more decision fits). Over a period, shows
are the decisions made in it and outcomes those recorded in it. Past UTC days come from the
daily summary (`nba.storage.offer_days`), today from the log, so a page view costs the same
with 200,000 decisions in the log as with 200.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from nba.clock import utc_now
from nba.domain import STATUSES, BudgetState, Offer, OfferDay
from nba.errors import InvalidInput, NotFound, Unavailable
from nba.evaluation.stats import Rate, wilson
from nba.serving import budgets
from nba.storage import Database, offer_days, offers

log = logging.getLogger(__name__)

PERIODS: tuple[tuple[str, int | None], ...] = (
    ("all time", None),
    ("last 30 days", 30),
    ("last 7 days", 7),
)
"""The periods the catalog shows: a label and its length in UTC days (today included)."""
SETTLE = timedelta(hours=1)
"""A day is summarised once it has been over this long: time for late commits and for the
clocks of other hosts."""


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """One offer's figures over one period; `rate.shows` counts its decisions."""

    label: str
    days: int | None
    rate: Rate
    spend: float


@dataclass(frozen=True, slots=True)
class BudgetUse:
    """An offer's all-time accepts and spend against its budget.

    `is_open` is the decision-time rule of the reservation ledger (`nba.serving.budgets`):
    whether one more decision can still reserve every budget of the offer; once it is False,
    decisions no longer offer it. `reserved_accepts` and `reserved_money` are held by
    decisions still waiting for their outcome; `ledger` has every budget's state.
    """

    accepts: int
    spent: float
    budget_accepts: int | None
    budget_money: float | None
    is_open: bool
    reserved_accepts: float = 0.0
    reserved_money: float = 0.0
    ledger: tuple[BudgetState, ...] = ()

    @property
    def accepts_share(self) -> float | None:
        """The share of the accepts budget used (None: no accepts budget)."""
        if not self.budget_accepts:
            return None if self.budget_accepts is None else 1.0
        return self.accepts / self.budget_accepts

    @property
    def money_share(self) -> float | None:
        """The share of the money budget spent (None: no money budget)."""
        if not self.budget_money:
            return None if self.budget_money is None else 1.0
        return self.spent / self.budget_money


@dataclass(frozen=True, slots=True)
class OfferFigures:
    """One offer at its latest version with its figures per period (PERIODS' order)."""

    offer: Offer
    periods: tuple[PeriodFigures, ...]
    budget: BudgetUse | None

    @property
    def all_time(self) -> PeriodFigures:
        return self.periods[0]


class CatalogFigures:
    """Figures of every offer for the catalog, from the daily summary and today's log."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._database = database
        self._clock = clock

    def offers(self, status: str | None = None) -> list[OfferFigures]:
        """Every offer (of one status, if given) at its latest version with its figures."""
        if status is not None and status not in STATUSES:
            raise InvalidInput("status", f"must be one of {', '.join(STATUSES)}, got {status!r}")
        return self._figures(status=status)

    def offer(self, offer_id: str) -> OfferFigures:
        """One offer's figures (NotFound if there is no such offer)."""
        found = self._figures(offer_id=offer_id)
        if not found:
            raise NotFound("offer", offer_id)
        return found[0]

    def summarise(self) -> None:
        """Summarise the days that are over into `offer_days` (also done by a page view).

        The log is read in a read-only transaction and the summary written in a short one,
        so that on SQLite a long first summary never holds up the decisions being logged.
        """
        settled = (self._clock() - SETTLE).date()
        with self._database.session(readonly=True) as session:
            after = offer_days.summarised_until(session)
            if after is not None and after >= settled:
                return
            start = after or offer_days.first_logged_day(session) or settled
            days = (
                offer_days.count_days(
                    session, offer_days.midnight(start), offer_days.midnight(settled)
                )
                if start < settled
                else []
            )
        try:
            with self._database.session() as session:
                offer_days.store_summary(session, after, max(start, settled), days)
        except Unavailable:
            # A read-only database: figures still come out right, from the log itself.
            log.debug("offer_days not summarised: database unavailable")

    def _figures(
        self, *, status: str | None = None, offer_id: str | None = None
    ) -> list[OfferFigures]:
        self.summarise()
        today = self._clock().date()
        firsts = [today - timedelta(days=days - 1) for _, days in PERIODS if days is not None]
        with self._database.session(readonly=True) as session:
            if offer_id is None:
                listed = offers.list_offers(session, status)
            else:
                one = offers.get_offer(session, offer_id)
                listed = [] if one is None else [one]
            until = offer_days.summarised_until(session)
            summed = offer_days.summary_totals(session, until, firsts) if until else {}
            start = offer_days.midnight(until) if until else datetime.min.replace(tzinfo=UTC)
            recent = offer_days.count_days(session, start)
            now, budgeted = self._clock(), [o for o in listed if o.caps.has_budget]
            closed = budgets.budget_refusals(session, budgeted, now)
            ledgers = {o.id: budgets.offer_budgets(session, o, now) for o in budgeted}
        return [
            _offer_figures(o, summed.get(o.id), recent, firsts, ledgers.get(o.id, ()), closed)
            for o in listed
        ]


def _offer_figures(
    offer: Offer,
    summed: list[OfferDay] | None,
    recent: Iterable[OfferDay],
    firsts: list[date],
    ledger: tuple[BudgetState, ...],
    closed: Mapping[str, str],
) -> OfferFigures:
    mine = [d for d in recent if d.offer_id == offer.id]
    periods = []
    for i, (label, days) in enumerate(PERIODS):
        first = None if days is None else firsts[i - 1]
        base = summed[i] if summed else OfferDay(date.min, offer.id)
        live = [d for d in mine if first is None or d.day >= first]
        shows = base.shows + sum(d.shows for d in live)
        answered = base.answered + sum(d.answered for d in live)
        accepts = base.accepts + sum(d.accepts for d in live)
        spend = base.spend + sum(d.spend for d in live)
        rate, low, high = wilson(accepts, answered)
        periods.append(
            PeriodFigures(label, days, Rate(shows, answered, accepts, rate, low, high), spend)
        )
    budget = _budget(offer, periods[0], ledger, offer.id not in closed)
    return OfferFigures(offer, tuple(periods), budget)


def _budget(
    offer: Offer, all_time: PeriodFigures, ledger: tuple[BudgetState, ...], is_open: bool
) -> BudgetUse | None:
    caps = offer.caps
    if not caps.has_budget:
        return None
    totals = {s.scope: s for s in ledger}
    accepts = totals.get(budgets.offer_scope(offer.id, budgets.ACCEPTS))
    money = totals.get(budgets.offer_scope(offer.id, budgets.MONEY))
    return BudgetUse(
        accepts=all_time.rate.accepts,
        spent=all_time.spend,
        budget_accepts=caps.budget_accepts,
        budget_money=caps.budget_money,
        is_open=is_open,
        reserved_accepts=accepts.reserved if accepts else 0.0,
        reserved_money=money.reserved if money else 0.0,
        ledger=ledger,
    )
