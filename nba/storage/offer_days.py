"""Each offer's shows, outcomes and spend per UTC day: counted from the log, and summarised.

A day is counted from the log with two grouped queries over a `ts` range (the indexes on
`decisions.ts` and `outcomes.ts`); once it is over it is summarised into `offer_days` (one row
per offer and day, written once), so that all-time figures sum summary rows, not the log.
The state row `offer_days` holds the first day not summarised yet: `{"until": "YYYY-MM-DD"}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, col

from nba.domain import OfferDay
from nba.storage.learned import get_state, set_state
from nba.storage.tables import DecisionRow, OfferDayRow, OfferRow, OutcomeRow

STATE = "offer_days"


class _utc_day(sa.sql.functions.GenericFunction[date]):
    """The UTC calendar day of a timestamp column, on SQLite and PostgreSQL alike."""

    type = sa.Date()
    inherit_cache = True


@compiles(_utc_day)
def _utc_day_sqlite(element: _utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores UTCDateTime as naive UTC text: its date() is the UTC day.
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(_utc_day, "postgresql")
def _utc_day_postgresql(element: _utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # A timestamptz cast to date takes the session's time zone: convert to UTC first.
    return f"date(timezone('UTC', {compiler.process(element.clauses, **kw)}))"


def midnight(day: date) -> datetime:
    """The start of a UTC day."""
    return datetime.combine(day, time(), tzinfo=UTC)


def count_days(session: Session, start: datetime, end: datetime | None = None) -> list[OfferDay]:
    """Per offer and UTC day, from the log: decisions made and outcomes recorded in [start, end).

    Spend costs each accept at the offer version its decision saw, as the budget check does
    (`nba.storage.offers.offer_budget_used`).
    """
    shown_day = _utc_day(col(DecisionRow.ts))
    shows = sa.select(shown_day, col(DecisionRow.chosen), sa.func.count()).where(
        col(DecisionRow.ts) >= start
    )
    if end is not None:
        shows = shows.where(col(DecisionRow.ts) < end)
    accepted = col(OutcomeRow.accepted).is_(True)
    answered_day = _utc_day(col(OutcomeRow.ts))
    answers = (
        sa.select(
            answered_day,
            col(DecisionRow.chosen),
            sa.func.count(),
            sa.func.sum(sa.case((accepted, 1), else_=0)),
            sa.func.sum(sa.case((accepted, sa.func.coalesce(col(OfferRow.cost), 0.0)), else_=0.0)),
        )
        .join(DecisionRow, col(DecisionRow.id) == col(OutcomeRow.decision_id))
        .outerjoin(
            OfferRow,
            sa.and_(
                col(OfferRow.id) == col(DecisionRow.chosen),
                col(OfferRow.version) == col(DecisionRow.chosen_version),
            ),
        )
        .where(col(OutcomeRow.ts) >= start)
    )
    if end is not None:
        answers = answers.where(col(OutcomeRow.ts) < end)
    connection = session.connection()
    counted: dict[tuple[date, str], list[float]] = {}
    for day, offer_id, n in connection.execute(shows.group_by(shown_day, DecisionRow.chosen)):
        counted.setdefault((_as_date(day), offer_id), [0, 0, 0, 0.0])[0] = n
    for day, offer_id, n, accepts, spend in connection.execute(
        answers.group_by(answered_day, DecisionRow.chosen)
    ):
        row = counted.setdefault((_as_date(day), offer_id), [0, 0, 0, 0.0])
        row[1:] = [n, int(accepts or 0), float(spend or 0.0)]
    return [
        OfferDay(day, offer_id, int(shows_), int(answered), int(accepts), float(spend))
        for (day, offer_id), (shows_, answered, accepts, spend) in sorted(counted.items())
    ]


def summarised_until(session: Session) -> date | None:
    """The first UTC day not summarised in `offer_days` (None: nothing summarised yet)."""
    state = get_state(session, STATE)
    return None if state is None else date.fromisoformat(state["until"])


def first_logged_day(session: Session) -> date | None:
    """The UTC day of the oldest decision or outcome (None: the log is empty)."""
    oldest = [
        session.connection().execute(sa.select(sa.func.min(column))).scalar()
        for column in (col(DecisionRow.ts), col(OutcomeRow.ts))
    ]
    found = [_as_datetime(t) for t in oldest if t is not None]
    return min(found).date() if found else None


def store_summary(
    session: Session, after: date | None, until: date, days: Sequence[OfferDay]
) -> bool:
    """Write `days` (counted from the log up to `until`) as the summary that follows `after`
    (the first day not summarised when they were counted; None: nothing was).

    Returns False, writing nothing, when another process moved the summary on first.
    """
    if summarised_until(session) != after:
        return False
    try:
        with session.begin_nested():
            if days:
                session.connection().execute(
                    sa.insert(OfferDayRow),
                    [
                        {
                            "day": d.day,
                            "offer_id": d.offer_id,
                            "shows": d.shows,
                            "answered": d.answered,
                            "accepts": d.accepts,
                            "spend": d.spend,
                        }
                        for d in days
                    ],
                )
            set_state(session, STATE, {"until": until.isoformat()})
    except IntegrityError:
        return False
    return True


def summary_totals(
    session: Session, until: date, since: Sequence[date]
) -> dict[str, list[OfferDay]]:
    """Per offer, the summarised days before `until` added up: first all of them, then those
    on or after each day of `since` (in its order); each OfferDay is dated its first day."""
    periods: list[date | None] = [None, *since]
    columns: list[Any] = [col(OfferDayRow.offer_id)]
    for first in periods:
        for name in ("shows", "answered", "accepts", "spend"):
            value = getattr(OfferDayRow, name)
            within = value if first is None else sa.case((col(OfferDayRow.day) >= first, value))
            columns.append(sa.func.coalesce(sa.func.sum(within), 0))
    query = (
        sa.select(*columns).where(col(OfferDayRow.day) < until).group_by(col(OfferDayRow.offer_id))
    )
    totals: dict[str, list[OfferDay]] = {}
    for offer_id, *sums in session.connection().execute(query):
        totals[offer_id] = [
            OfferDay(
                first or date.min,
                offer_id,
                int(sums[4 * i]),
                int(sums[4 * i + 1]),
                int(sums[4 * i + 2]),
                float(sums[4 * i + 3]),
            )
            for i, first in enumerate(periods)
        ]
    return totals


def _as_date(value: object) -> date:
    # SQLite may hand date() back as text when the expression's type is lost in a group by.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
