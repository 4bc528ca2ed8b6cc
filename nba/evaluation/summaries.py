"""The daily summaries job: take the log's new decisions and outcomes into `offer_band_days` and
`offer_context_days`, from a watermark, so that the console's pages never scan the log.

Each run reads the decisions, then the outcomes, recorded after the watermark and more than
`settle_s` seconds ago, page by page; every page's deltas and the moved watermark are written
in one transaction that first checks (and locks) the watermark it started from, so a row is
added exactly once even if two processes run at the same moment (a lease keeps them from
doing the same work twice). Decisions count on the UTC day they were made; an outcome counts
on its decision's day, whenever it came.

Limit: a row that commits more than `settle_s` after its timestamp (or a decision imported
with a timestamp from the past) is behind the watermark and is missed; `rebuild()` starts
again from the whole log.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, delete

from nba.clock import utc_now
from nba.evaluation.stats import BAND_EDGES, BANDS
from nba.learning.trainer import process_owner
from nba.storage import Database, acquire_lock, release_lock, renew_lock
from nba.storage.summaries import (
    ALL_OFFERS,
    NUMERIC,
    ContextDay,
    DecisionFacts,
    OfferDay,
    OutcomeFacts,
    SummaryMark,
    add_context_days,
    add_offer_band_days,
    decision_page,
    outcome_page,
    set_summary_mark,
    summary_mark,
)
from nba.storage.tables import ContextDayRow, OfferBandDayRow

log = logging.getLogger(__name__)

LEASE = "daily_summaries"
LEASE_S = 120.0
PAGE_ROWS = 20_000
MAX_VALUES = 30
"""Distinct text values kept per offer, day and context field; the rest count as `OTHER`."""
OTHER = "(other values)"
EMPTY = "(empty)"
CHURN_FIELD = "churn_score"
"""The decision's churn score, summarised like a numeric context field."""
_LONGEST_VALUE = 80


@dataclass(frozen=True, slots=True)
class SummaryRun:
    """What one run took in, and the time the summaries are now complete up to."""

    decisions: int
    outcomes: int
    as_of: datetime | None
    skipped: str | None = None


class _Overtaken(Exception):
    """Another writer moved the watermark since this page was read."""


class DailySummaries:
    """Keeps the daily summary tables up to date; `refresh()` is the scheduled job."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime] = utc_now,
        *,
        settle_s: float = 5.0,
        page_rows: int = PAGE_ROWS,
        owner: str | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._settle = timedelta(seconds=settle_s)
        self._page_rows = page_rows
        self._owner = owner or process_owner()
        self._running = threading.Lock()

    def refresh(self) -> SummaryRun:
        """Take in what was recorded since the last run (at first, the whole log)."""
        if not self._running.acquire(blocking=False):
            return SummaryRun(0, 0, None, skipped="already running in this process")
        try:
            return self._refresh()
        finally:
            self._running.release()

    def rebuild(self) -> SummaryRun:
        """Empty the summaries and their watermark, then take in the whole log again."""
        with self._running:
            with self._database.session() as session:
                session.exec(delete(OfferBandDayRow))
                session.exec(delete(ContextDayRow))
                set_summary_mark(session, SummaryMark())
            return self._refresh()

    def _refresh(self) -> SummaryRun:
        with self._database.session() as session:
            if not acquire_lock(session, LEASE, self._owner, LEASE_S, self._clock()):
                return SummaryRun(0, 0, None, skipped="another process is summarising")
        try:
            return self._take_in(self._clock() - self._settle)
        except _Overtaken:
            log.info("daily summaries: another process moved the watermark; run stopped")
            return SummaryRun(0, 0, None, skipped="overtaken by another process")
        finally:
            with self._database.session() as session:
                release_lock(session, LEASE, self._owner)

    def _take_in(self, until: datetime) -> SummaryRun:
        with self._database.session(readonly=True) as session:
            mark = summary_mark(session)
        started_empty = mark.as_of is None
        decisions = outcomes = 0
        while True:
            with self._database.session(readonly=True) as session:
                page = decision_page(session, mark.decisions, until, self._page_rows)
            if not page:
                break
            offer_deltas, context_deltas = _decision_deltas(page)
            moved = replace(mark, decisions=(page[-1].ts, page[-1].id))
            mark = self._write(mark, moved, offer_deltas, context_deltas)
            decisions += len(page)
        while True:
            with self._database.session(readonly=True) as session:
                facts = outcome_page(session, mark.outcomes, until, self._page_rows)
            if not facts:
                break
            offer_deltas, context_deltas = _outcome_deltas(facts)
            moved = replace(mark, outcomes=(facts[-1].ts, facts[-1].decision_id))
            mark = self._write(mark, moved, offer_deltas, context_deltas)
            outcomes += len(facts)
        as_of = until if mark.as_of is None else max(mark.as_of, until)
        mark = self._write(mark, replace(mark, as_of=as_of), [], [])
        if decisions or outcomes:
            # INFO for the first run over the whole log; the runs every few seconds after it
            # would fill the log.
            level = logging.INFO if started_empty else logging.DEBUG
            log.log(level, "daily summaries: took in %d decisions and %d outcomes",
                    decisions, outcomes)  # fmt: skip
        return SummaryRun(decisions, outcomes, mark.as_of)

    def _write(
        self,
        expected: SummaryMark,
        moved: SummaryMark,
        offer_deltas: list[OfferDay],
        context_deltas: list[ContextDay],
    ) -> SummaryMark:
        with self._database.session() as session:
            if summary_mark(session, for_update=True) != expected:
                raise _Overtaken
            add_offer_band_days(session, offer_deltas)
            add_context_days(session, context_deltas, MAX_VALUES, OTHER)
            if not set_summary_mark(session, moved):
                raise _Overtaken
            self._renew(session)
        return moved

    def _renew(self, session: Session) -> None:
        if not renew_lock(session, LEASE, self._owner, LEASE_S, self._clock()):
            raise _Overtaken


def churn_band(churn_score: float) -> str:
    """low < 0.3 <= medium < 0.6 <= high (as `nba.evaluation.stats`)."""
    if churn_score < BAND_EDGES[0]:
        return BANDS[0]
    return BANDS[1] if churn_score < BAND_EDGES[1] else BANDS[2]


def utc_day(ts: datetime) -> date:
    """The UTC calendar day of a time."""
    return (ts.astimezone(UTC) if ts.tzinfo else ts).date()


def _decision_deltas(page: Iterable[DecisionFacts]) -> tuple[list[OfferDay], list[ContextDay]]:
    offers: dict[tuple[str, date, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    contexts: dict[tuple[str, date, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for d in page:
        day = utc_day(d.ts)
        band = churn_band(d.churn_score)
        values = list(_context_values(d.context, d.churn_score))
        for offer_id in (d.offer_id, ALL_OFFERS):
            tally = offers[offer_id, day, band, d.channel or ""]
            tally[0] += 1
            tally[1] += d.propensity
            for name, value, number in values:
                counts = contexts[offer_id, day, name, value]
                counts[0] += 1
                counts[1] += number
    return (
        [OfferDay(o, day, b, c, shows=int(n), propensity_sum=p)
         for (o, day, b, c), (n, p) in offers.items()],
        [ContextDay(o, day, f, v, shows=int(n), shows_sum=s)
         for (o, day, f, v), (n, s) in contexts.items()],
    )  # fmt: skip


def _outcome_deltas(facts: Iterable[OutcomeFacts]) -> tuple[list[OfferDay], list[ContextDay]]:
    offers: dict[tuple[str, date, str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    contexts: dict[tuple[str, date, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for o in facts:
        day = utc_day(o.decision_ts)
        band = churn_band(o.churn_score)
        values = list(_context_values(o.context, o.churn_score)) if o.accepted else []
        for offer_id in (o.offer_id, ALL_OFFERS):
            tally = offers[offer_id, day, band, o.channel or ""]
            tally[0] += 1
            if o.accepted:
                tally[1] += 1
                tally[2] += o.cost
                for name, value, number in values:
                    counts = contexts[offer_id, day, name, value]
                    counts[0] += 1
                    counts[1] += number
    return (
        [OfferDay(o, day, b, c, answered=int(n), accepts=int(a), spend=s)
         for (o, day, b, c), (n, a, s) in offers.items()],
        [ContextDay(o, day, f, v, accepts=int(n), accepts_sum=s)
         for (o, day, f, v), (n, s) in contexts.items()],
    )  # fmt: skip


def _context_values(
    context: dict[str, object], churn_score: float
) -> Iterable[tuple[str, str, float]]:
    """(field, value, number) of each usable context field: a number counts under `NUMERIC`
    with itself, a text or boolean under its value with 0; None and non-finite numbers are
    left out."""
    yield CHURN_FIELD, NUMERIC, float(churn_score)
    for name, value in context.items():
        if name == CHURN_FIELD or value is None:
            continue
        if isinstance(value, bool):
            yield name, "true" if value else "false", 0.0
        elif isinstance(value, int | float):
            if math.isfinite(value):
                yield name, NUMERIC, float(value)
        else:
            text = str(value)[:_LONGEST_VALUE]
            yield name, text or EMPTY, 0.0
