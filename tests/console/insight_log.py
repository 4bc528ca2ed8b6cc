"""A small known decision log for the overview and dashboard tests, and the direct counts the
daily summaries must equal.

Decisions are logged through storage with the day, churn score, channel, propensity and
context a test names; outcomes go through the feedback service (recorded at the clock's time).
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from nba.config import Settings
from nba.domain import Decision, EligibleOffer, FeedbackKind, FeedbackReport
from nba.runtime import Runtime, build_runtime
from nba.storage import add_decision, list_decisions, log_frame
from nba.storage.summaries import ALL_OFFERS, offer_figures
from tests.conftest import SAMPLE_OFFERS

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
"""The known log's first day is 2026-03-10 (UTC)."""
Z95 = 1.959963984540054


class SetClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass(frozen=True)
class Row:
    """One decision to log: its offer, day (0 = START's), band-setting churn score, channel,
    logged propensity, context and outcome (None: no outcome yet)."""

    offer_id: str
    day: int
    churn_score: float = 0.5
    channel: str | None = "app"
    propensity: float = 0.5
    context: dict[str, object] = field(default_factory=dict)
    accepted: bool | None = None


def insight_runtime(settings: Settings, clock: SetClock) -> Iterator[Runtime]:
    """A runtime on `clock` with the sample offers; no settle time, so a run takes in all."""
    settings = settings.model_copy(update={"summary_settle_s": 0})
    runtime = build_runtime(settings, clock)
    for spec in SAMPLE_OFFERS:
        runtime.catalog.add(spec)
    yield runtime
    runtime.close()


def log_rows(runtime: Runtime, clock: SetClock, rows: Iterable[Row]) -> list[Decision]:
    """Log each row as a decision on its day (at the clock's time of day, a minute apart),
    then record the outcomes; the clock ends after the last of them."""
    eligible = tuple(
        EligibleOffer(o.id, o.version, o.category, o.features) for o in runtime.catalog.list()
    )
    logged = []
    for i, row in enumerate(rows):
        ts = START + timedelta(days=row.day, minutes=i)
        offer_ids = [e.offer_id for e in eligible]
        others = (1.0 - row.propensity) / (len(eligible) - 1)
        probabilities = tuple(row.propensity if o == row.offer_id else others for o in offer_ids)
        decision = Decision(
            id=str(uuid.uuid4()), ts=ts, customer_id=f"c{i}", churn_score=row.churn_score,
            context=tuple(row.context.items()), channel=row.channel, eligible=eligible,
            probabilities=probabilities, scores=(0.0,) * len(eligible), chosen=row.offer_id,
            propensity=row.propensity, policy="test", model_version=None,
        )  # fmt: skip
        with runtime.database.session() as session:
            add_decision(session, decision)
        logged.append((decision, row.accepted))
        clock.now = max(clock.now, ts + timedelta(seconds=1))
    for decision, accepted in logged:
        if accepted is not None:
            clock.advance(timedelta(seconds=1))
            report = FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, accepted)
            runtime.feedback.record(report)
    clock.advance(timedelta(seconds=1))
    return [d for d, _ in logged]


def day(n: int) -> date:
    """The known log's day `n`."""
    return (START + timedelta(days=n)).date()


def direct_counts(runtime: Runtime) -> dict[tuple[str, date, str, str], tuple[int, int, int]]:
    """(offer or "*", day, churn band, channel) -> (shows, answered, accepts), counted from
    the whole log itself."""
    with runtime.database.session(readonly=True) as session:
        frame = log_frame(session)
        channels = {d.id: d.channel for d in list_decisions(session)}
    counts: Counter[tuple[str, date, str, str]] = Counter()
    answered: Counter[tuple[str, date, str, str]] = Counter()
    accepts: Counter[tuple[str, date, str, str]] = Counter()
    for row in frame.itertuples():
        band = "low" if row.churn_score < 0.3 else "medium" if row.churn_score < 0.6 else "high"
        on = row.ts.date()
        channel = channels[row.decision_id] or ""
        for offer_id in (row.offer_id, ALL_OFFERS):
            key = (offer_id, on, band, channel)
            counts[key] += 1
            if not pd.isna(row.accepted):
                answered[key] += 1
                accepts[key] += bool(row.accepted)
    return {key: (counts[key], answered[key], accepts[key]) for key in counts}


def summarised_counts(runtime: Runtime) -> dict[tuple[str, date, str, str], tuple[int, int, int]]:
    """The same keys and counts as read back from the daily summaries."""
    with runtime.database.session(readonly=True) as session:
        every = ["day", "churn_band", "channel"]
        rows = offer_figures(session, None, None, date(2100, 1, 1), every)
    assert all(r.day is not None for r in rows)
    return {
        (r.offer_id, r.day, r.churn_band, r.channel): (r.shows, r.answered, r.accepts)
        for r in rows
        if r.day is not None
    }


def wilson_by_roots(accepts: int, answered: int) -> tuple[float, float]:
    """Wilson's interval as the two roots of (p_hat - p)^2 = z^2 p (1 - p) / n."""
    p_hat, n, z2 = accepts / answered, answered, Z95**2
    a, b, c = 1 + z2 / n, -(2 * p_hat + z2 / n), p_hat**2
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def rate_text(accepts: int, answered: int) -> str:
    """The page's words for a rate and its interval: `30.4% <small>(95% CI 21.3-41.2%)`, with
    an en dash between the ends."""
    low, high = wilson_by_roots(accepts, answered)
    rate = 100 * accepts / answered
    return f"{rate:.1f}% <small>(95% CI {100 * low:.1f}\u2013{100 * high:.1f}%)"
