"""The catalog's figures: each offer's shows, accepts, acceptance rate with its 95% interval
and spend, for all time and the last 30 and 7 days, and its spend against its budget.

Definitions are those of `nba.evaluation.stats` (a show is a decision that chose the offer; the
rate is accepts among answered decisions, a default outcome counting as declined, with a
Wilson interval) and of the budget check (spend costs each accept at the offer version its
decision saw; `Caps.budget_allows` says whether one more accept fits). They are read from the
daily summaries (`nba.evaluation.summaries`), as the overview and the offer dashboards are, so
every page counts alike: over a period, the decisions made in it and their outcomes, whenever
those came; and a page view costs the same with 200,000 decisions in the log as with 200.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from nba.clock import utc_now
from nba.domain import STATUSES, Offer
from nba.errors import InvalidInput, NotFound
from nba.evaluation.stats import Rate, wilson
from nba.evaluation.summaries import utc_day
from nba.storage import Database, offers, summaries
from nba.storage.summaries import OfferDay

PERIODS: tuple[tuple[str, int | None], ...] = (
    ("all time", None),
    ("last 30 days", 30),
    ("last 7 days", 7),
)
"""The periods the catalog shows: a label and its length in UTC days (today included)."""


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

    `is_open` is the decision-time rule: whether one more accept still fits the budget; once it
    is False, decisions no longer offer it.
    """

    accepts: int
    spent: float
    budget_accepts: int | None
    budget_money: float | None
    is_open: bool

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
    """Figures of every offer for the catalog, from the daily summaries."""

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

    def as_of(self) -> datetime | None:
        """The time up to which the figures have taken in the log (None: not yet)."""
        with self._database.session(readonly=True) as session:
            return summaries.summary_mark(session).as_of

    def _figures(
        self, *, status: str | None = None, offer_id: str | None = None
    ) -> list[OfferFigures]:
        today = utc_day(self._clock())
        firsts = [None if days is None else today - timedelta(days=days - 1) for _, days in PERIODS]
        with self._database.session(readonly=True) as session:
            if offer_id is None:
                listed = offers.list_offers(session, status)
            else:
                one = offers.get_offer(session, offer_id)
                listed = [] if one is None else [one]
            ids = [o.id for o in listed]
            totals = [summaries.offer_totals(session, first, today, ids) for first in firsts]
        return [_offer_figures(o, [period.get(o.id) for period in totals]) for o in listed]


def _offer_figures(offer: Offer, totals: list[OfferDay | None]) -> OfferFigures:
    periods = []
    for (label, days), total in zip(PERIODS, totals, strict=True):
        shows, answered, accepts, spend = (
            (0, 0, 0, 0.0)
            if total is None
            else (total.shows, total.answered, total.accepts, total.spend)
        )
        rate, low, high = wilson(accepts, answered)
        periods.append(
            PeriodFigures(label, days, Rate(shows, answered, accepts, rate, low, high), spend)
        )
    return OfferFigures(offer, tuple(periods), _budget(offer, periods[0]))


def _budget(offer: Offer, all_time: PeriodFigures) -> BudgetUse | None:
    caps = offer.caps
    if not caps.has_budget:
        return None
    accepts, spent = all_time.rate.accepts, all_time.spend
    return BudgetUse(
        accepts=accepts,
        spent=spent,
        budget_accepts=caps.budget_accepts,
        budget_money=caps.budget_money,
        is_open=caps.budget_allows(accepts, spent, offer.cost),
    )
