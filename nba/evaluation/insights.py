"""What the console's overview and offer dashboards show, read from the daily summaries.

Every figure comes from `offer_band_days` / `offer_context_days` (a few hundred rows per view,
found through their keys and day indexes), never from a scan of the decision log. Rates are
acceptance among decisions with an outcome (reported, or the default after the reward
window), with Wilson 95% intervals. Days are UTC calendar days; a window of `days` days ends
today (by the injected clock) and includes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from nba.clock import utc_now
from nba.domain import ModelVersion, Offer
from nba.errors import InvalidInput, NotFound
from nba.evaluation.comparison import Comparison, PolicyComparison
from nba.evaluation.stats import BANDS, Rate, wilson
from nba.evaluation.summaries import utc_day
from nba.storage import Database, models, offers
from nba.storage import summaries as stored
from nba.storage.summaries import ALL_OFFERS, NUMERIC, ContextDay, OfferDay

MAX_DAYS = 3660
TOP_VALUES = 5
"""Values shown per text field in "which customers it wins"."""
NO_CHANNEL = "(none)"


@dataclass(frozen=True, slots=True)
class Window:
    """The days a view covers: `start` to `end` inclusive (`start` None: the whole log)."""

    days: int | None
    start: date | None
    end: date

    @property
    def words(self) -> str:
        """The window in words, for captions."""
        if self.days is None:
            return "the whole log"
        return "today" if self.days == 1 else f"the last {self.days} days (UTC, today included)"


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One day: shows, outcomes, accepts and their rate, spend, and the offer's traffic.

    `spend_to_date` and `accepts_to_date` count from the offer's first decision, before the
    window too; `share_of_decisions` is of that day's decisions over every offer."""

    day: date
    rate: Rate
    spend: float
    spend_to_date: float
    accepts_to_date: int
    share_of_decisions: float | None
    mean_propensity: float | None


@dataclass(frozen=True, slots=True)
class ValueShare:
    """How common one value of a field is among an offer's accepts, its shows, and all
    decisions (for a numeric field: its mean there, `value` None)."""

    value: str | None
    accepts: int
    among_accepts: float | None
    among_shows: float | None
    among_all: float | None


@dataclass(frozen=True, slots=True)
class FieldProfile:
    """One context field among the customers an offer wins: its top values, or its mean."""

    field: str
    is_numeric: bool
    values: tuple[ValueShare, ...]


@dataclass(frozen=True, slots=True)
class Budget:
    """An offer's accepts and spend since it started, against its caps (None: no cap)."""

    accepts: int
    spend: float
    budget_accepts: int | None
    budget_money: float | None

    @property
    def accepts_used(self) -> float | None:
        """Share of the accepts budget used."""
        return None if not self.budget_accepts else self.accepts / self.budget_accepts

    @property
    def money_used(self) -> float | None:
        """Share of the money budget used."""
        return None if not self.budget_money else self.spend / self.budget_money


@dataclass(frozen=True, slots=True)
class OfferDashboard:
    """One offer over a window: totals, days, bands, channels, budget and its customers."""

    offer: Offer
    window: Window
    as_of: datetime | None
    overall: Rate
    spend: float
    share_of_decisions: float | None
    mean_propensity: float | None
    days: tuple[DayFigures, ...]
    by_band: tuple[tuple[str, Rate], ...]
    by_channel: tuple[tuple[str, Rate], ...]
    budget: Budget
    customers: tuple[FieldProfile, ...]


@dataclass(frozen=True, slots=True)
class OfferLine:
    """One offer's line in the overview."""

    offer_id: str
    name: str
    status: str
    rate: Rate
    spend: float
    share_of_decisions: float | None


@dataclass(frozen=True, slots=True)
class Headline:
    """The overview's headline figures (the console's home shows them)."""

    window: Window
    as_of: datetime | None
    overall: Rate
    model: ModelVersion | None


@dataclass(frozen=True, slots=True)
class Overview:
    """Every offer together over a window, the policy comparison and the active model."""

    headline: Headline
    days: tuple[DayFigures, ...]
    offers: tuple[OfferLine, ...]
    comparison: Comparison | None


class Insights:
    """Reads the summaries into the console's views."""

    def __init__(
        self,
        database: Database,
        comparison: PolicyComparison,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._comparison = comparison
        self._clock = clock

    def window(self, days: int | None) -> Window:
        """The last `days` days up to today (None: everything); InvalidInput if out of range."""
        today = utc_day(self._clock())
        if days is None:
            return Window(None, None, today)
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput("days", f"must be between 1 and {MAX_DAYS}, got {days}")
        return Window(days, today - timedelta(days=days - 1), today)

    def offer_dashboard(self, offer_id: str, days: int | None = 30) -> OfferDashboard:
        """One offer's dashboard over the last `days` days; NotFound for an unknown offer."""
        window = self.window(days)
        with self._database.session(readonly=True) as session:
            offer = offers.get_offer(session, offer_id)
            if offer is None:
                raise NotFound("offer", offer_id)
            start, end = window.start, window.end
            ever = stored.offer_figures(session, [offer_id], None, end)
            before = [] if start is None else stored.offer_figures(
                session, [offer_id], None, start - timedelta(days=1)
            )  # fmt: skip
            by_day = stored.offer_figures(session, [offer_id, ALL_OFFERS], start, end, ["day"])
            by_band = stored.offer_figures(session, [offer_id], start, end, ["churn_band"])
            by_channel = stored.offer_figures(session, [offer_id], start, end, ["channel"])
            context = stored.context_totals(session, [offer_id, ALL_OFFERS], start, end)
            as_of = stored.summary_mark(session).as_of
        inside = [r for r in by_day if r.offer_id == offer_id]
        everyone = [r for r in by_day if r.offer_id == ALL_OFFERS]
        total = _sum(inside)
        all_total = _sum(everyone)
        ever_total = _sum(ever)
        bands = {r.churn_band: r for r in by_band}
        return OfferDashboard(
            offer=offer,
            window=window,
            as_of=as_of,
            overall=_rate(total),
            spend=total.spend,
            share_of_decisions=_share(total.shows, all_total.shows),
            mean_propensity=_share(total.propensity_sum, total.shows),
            days=_days(inside, everyone, window, before=_sum(before)),
            by_band=tuple((band, _rate(bands.get(band, _sum(())))) for band in BANDS),
            by_channel=_by_channel(by_channel),
            budget=Budget(
                accepts=ever_total.accepts,
                spend=ever_total.spend,
                budget_accepts=offer.caps.budget_accepts,
                budget_money=offer.caps.budget_money,
            ),
            customers=_profiles(context, offer_id),
        )

    def headline(self, days: int | None = 30) -> Headline:
        """Acceptance over the window and the active model version."""
        window = self.window(days)
        with self._database.session(readonly=True) as session:
            totals = stored.offer_totals(session, window.start, window.end, [ALL_OFFERS])
            as_of = stored.summary_mark(session).as_of
            model = models.active_model_metadata(session)
        total = totals.get(ALL_OFFERS, OfferDay(ALL_OFFERS, None, "", ""))
        return Headline(window, as_of, _rate(total), model)

    def overview(self, days: int | None = 30) -> Overview:
        """Every offer over the last `days` days, the policy comparison, the model."""
        headline = self.headline(days)
        window = headline.window
        with self._database.session(readonly=True) as session:
            rows = stored.offer_figures(session, [ALL_OFFERS], window.start, window.end, ["day"])
            totals = stored.offer_totals(session, window.start, window.end)
            catalog = {o.id: o for o in offers.list_offers(session)}
        everyone = totals.pop(ALL_OFFERS, OfferDay(ALL_OFFERS, None, "", ""))
        lines = [
            OfferLine(
                offer_id=offer_id,
                name=catalog[offer_id].name if offer_id in catalog else offer_id,
                status=catalog[offer_id].status if offer_id in catalog else "unknown",
                rate=_rate(total),
                spend=total.spend,
                share_of_decisions=_share(total.shows, everyone.shows),
            )
            for offer_id, total in sorted(totals.items(), key=lambda kv: -kv[1].shows)
        ]
        return Overview(
            headline=headline,
            days=_days(rows, rows, window, before=_sum(())),
            offers=tuple(lines),
            comparison=self._comparison.latest(),
        )


def _sum(rows: Iterable[OfferDay]) -> OfferDay:
    shows = answered = accepts = 0
    propensity = spend = 0.0
    for r in rows:
        shows += r.shows
        answered += r.answered
        accepts += r.accepts
        propensity += r.propensity_sum
        spend += r.spend
    return OfferDay("", None, "", "", shows, propensity, answered, accepts, spend)


def _rate(total: OfferDay) -> Rate:
    rate, low, high = wilson(total.accepts, total.answered)
    return Rate(total.shows, total.answered, total.accepts, rate, low, high)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _days(
    rows: Sequence[OfferDay], everyone: Sequence[OfferDay], window: Window, *, before: OfferDay
) -> tuple[DayFigures, ...]:
    """Every day of the window (of the whole log: from its first day with data) to its end;
    days without decisions have zeros. Empty when no day has data."""
    by_day: dict[date, list[OfferDay]] = defaultdict(list)
    for r in rows:
        if r.day is not None:
            by_day[r.day].append(r)
    all_shows: dict[date, int] = defaultdict(int)
    for r in everyone:
        if r.day is not None:
            all_shows[r.day] += r.shows
    if not by_day:
        return ()
    figures = []
    spent, accepted = before.spend, before.accepts
    day = min(by_day) if window.start is None else window.start
    while day <= window.end:
        total = _sum(by_day.get(day, ()))
        spent += total.spend
        accepted += total.accepts
        figures.append(
            DayFigures(
                day=day,
                rate=_rate(total),
                spend=total.spend,
                spend_to_date=spent,
                accepts_to_date=accepted,
                share_of_decisions=_share(total.shows, all_shows.get(day, 0)),
                mean_propensity=_share(total.propensity_sum, total.shows),
            )
        )
        day += timedelta(days=1)
    return tuple(figures)


def _by_channel(rows: Sequence[OfferDay]) -> tuple[tuple[str, Rate], ...]:
    channels: dict[str, list[OfferDay]] = defaultdict(list)
    for r in rows:
        channels[r.channel or NO_CHANNEL].append(r)
    totals = {channel: _sum(found) for channel, found in channels.items()}
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1].shows, kv[0]))
    return tuple((channel, _rate(total)) for channel, total in ordered)


def _profiles(context: Sequence[ContextDay], offer_id: str) -> tuple[FieldProfile, ...]:
    """Per field: the values most common among the offer's accepts, with their shares among
    its accepts, its shows and all decisions; for a numeric field the three means."""
    mine: dict[str, list[ContextDay]] = defaultdict(list)
    everyone: dict[tuple[str, str], ContextDay] = {}
    for c in context:
        if c.offer_id == offer_id:
            mine[c.field].append(c)
        elif c.offer_id == ALL_OFFERS:
            everyone[c.field, c.value] = c
    profiles = []
    for name in sorted(mine):
        found = mine[name]
        numeric = next((c for c in found if c.value == NUMERIC), None)
        if numeric is not None:
            base = everyone.get((name, NUMERIC))
            value = ValueShare(
                value=None,
                accepts=numeric.accepts,
                among_accepts=_share(numeric.accepts_sum, numeric.accepts),
                among_shows=_share(numeric.shows_sum, numeric.shows),
                among_all=None if base is None else _share(base.shows_sum, base.shows),
            )
            profiles.append(FieldProfile(name, True, (value,)))
            continue
        accepts = sum(c.accepts for c in found)
        shows = sum(c.shows for c in found)
        all_shows = sum(c.shows for (f, v), c in everyone.items() if f == name and v != NUMERIC)
        top = sorted(found, key=lambda c: (-c.accepts, -c.shows, c.value))[:TOP_VALUES]
        values = tuple(
            ValueShare(
                value=c.value,
                accepts=c.accepts,
                among_accepts=_share(c.accepts, accepts),
                among_shows=_share(c.shows, shows),
                among_all=_share(everyone[name, c.value].shows, all_shows)
                if (name, c.value) in everyone
                else None,
            )
            for c in top
        )
        profiles.append(FieldProfile(name, False, values))
    return tuple(profiles)
