"""Daily summaries of the log (migration 0007): the rows the console reads instead of the log.

`offer_band_days` holds shows, outcomes, accepts, spend and summed propensities per offer, day,
churn band and channel; `offer_context_days` how often each context value came with an
offer's shows and accepts. Both are filled by adding deltas (`add_offer_band_days`,
`add_context_days`) read from the log after a watermark (`SummaryMark`) that moves in the
same transaction, so each decision and outcome is added once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from nba.clock import parse_time
from nba.storage.tables import (
    ContextDayRow,
    DecisionRow,
    OfferBandDayRow,
    OfferRow,
    OutcomeRow,
    StateRow,
)

ALL_OFFERS = "*"
"""The offer id of the rows that hold every offer's decisions together."""

NUMERIC = ""
"""The `value` of a numeric field's row (its counts and sums)."""

MARK = "daily_summaries"
"""The `state` row holding the watermark."""

Key = tuple[datetime, str]
"""A position in the log: (ts, decision id)."""


@dataclass(frozen=True, slots=True)
class SummaryMark:
    """How far the summaries have read: the last (ts, decision id) taken in from each of the
    decision and outcome streams, and the time up to which the last complete run read."""

    decisions: Key | None = None
    outcomes: Key | None = None
    as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class OfferDay:
    """Figures of one offer (or `ALL_OFFERS`) on one day, churn band and channel; a delta to
    add, or a total read back (then `day`, `churn_band` or `channel` may be summed over)."""

    offer_id: str
    day: date | None
    churn_band: str
    channel: str
    shows: int = 0
    propensity_sum: float = 0.0
    answered: int = 0
    accepts: int = 0
    spend: float = 0.0


@dataclass(frozen=True, slots=True)
class ContextDay:
    """Counts (and, for a numeric field, sums) of one context value among an offer's shows
    and accepts on one day; `day` None when read back summed over a window."""

    offer_id: str
    day: date | None
    field: str
    value: str
    shows: int = 0
    accepts: int = 0
    shows_sum: float = 0.0
    accepts_sum: float = 0.0


class DecisionFacts(NamedTuple):
    """What the summaries need of one decision."""

    id: str
    ts: datetime
    offer_id: str
    churn_score: float
    channel: str | None
    propensity: float
    context: dict[str, object]


class OutcomeFacts(NamedTuple):
    """What the summaries need of one outcome: its decision's facts, the answer, the cost."""

    decision_id: str
    ts: datetime
    accepted: bool
    offer_id: str
    decision_ts: datetime
    churn_score: float
    channel: str | None
    context: dict[str, object]
    cost: float


def summary_mark(session: Session, *, for_update: bool = False) -> SummaryMark:
    """The watermark (empty before the first run); `for_update` locks its row (PostgreSQL)
    until the transaction ends, so that two writers cannot both move it."""
    query = select(StateRow).where(col(StateRow.name) == MARK)
    row = session.exec(query.with_for_update() if for_update else query).first()
    if row is None:
        return SummaryMark()
    value = dict(row.value)
    return SummaryMark(
        decisions=_key(value.get("decisions")),
        outcomes=_key(value.get("outcomes")),
        as_of=parse_time(value["as_of"], "as_of") if value.get("as_of") else None,
    )


def set_summary_mark(session: Session, mark: SummaryMark) -> bool:
    """Store the watermark; False if another writer created its row first (a savepoint keeps
    the session usable)."""
    value = {
        "decisions": _key_json(mark.decisions),
        "outcomes": _key_json(mark.outcomes),
        "as_of": mark.as_of.isoformat() if mark.as_of else None,
    }
    row = session.get(StateRow, MARK)
    if row is not None:
        row.value = value
        session.add(row)
        session.flush()
        return True
    try:
        with session.begin_nested():
            session.add(StateRow(name=MARK, value=value))
    except IntegrityError:
        return False
    return True


def decision_page(
    session: Session, after: Key | None, until: datetime, limit: int
) -> list[DecisionFacts]:
    """The next `limit` decisions after `after` made before `until`, in (ts, id) order."""
    query = sa.select(
        col(DecisionRow.id),
        col(DecisionRow.ts),
        col(DecisionRow.chosen),
        col(DecisionRow.churn_score),
        col(DecisionRow.channel),
        col(DecisionRow.propensity),
        col(DecisionRow.context),
    ).where(col(DecisionRow.ts) < until)
    if after is not None:
        # The plain bound on ts lets both databases walk the ts index from the watermark.
        query = query.where(col(DecisionRow.ts) >= after[0])
        query = query.where(sa.tuple_(col(DecisionRow.ts), col(DecisionRow.id)) > sa.tuple_(*after))
    query = query.order_by(col(DecisionRow.ts), col(DecisionRow.id)).limit(limit)
    return [DecisionFacts(*row) for row in session.connection().execute(query)]


def outcome_page(
    session: Session, after: Key | None, until: datetime, limit: int
) -> list[OutcomeFacts]:
    """The next `limit` outcomes after `after` recorded before `until`, in (ts, decision id)
    order, with their decisions and the cost of the offer version decided."""
    query = (
        sa.select(
            col(OutcomeRow.decision_id),
            col(OutcomeRow.ts),
            col(OutcomeRow.accepted),
            col(DecisionRow.chosen),
            col(DecisionRow.ts),
            col(DecisionRow.churn_score),
            col(DecisionRow.channel),
            col(DecisionRow.context),
            sa.func.coalesce(col(OfferRow.cost), 0.0),
        )
        .join(DecisionRow, col(DecisionRow.id) == col(OutcomeRow.decision_id))
        .outerjoin(
            OfferRow,
            sa.and_(
                col(OfferRow.id) == col(DecisionRow.chosen),
                col(OfferRow.version) == col(DecisionRow.chosen_version),
            ),
        )
        .where(col(OutcomeRow.ts) < until)
    )
    if after is not None:
        position = sa.tuple_(col(OutcomeRow.ts), col(OutcomeRow.decision_id))
        query = query.where(col(OutcomeRow.ts) >= after[0], position > sa.tuple_(*after))
    query = query.order_by(col(OutcomeRow.ts), col(OutcomeRow.decision_id)).limit(limit)
    return [OutcomeFacts(*row) for row in session.connection().execute(query)]


def add_offer_band_days(session: Session, deltas: Collection[OfferDay]) -> None:
    """Add each delta to its (offer, day, band, channel) row, creating the rows missing."""
    merged: dict[tuple[str, date, str, str], dict[str, object]] = {}
    for d in deltas:
        key = (d.offer_id, _day_of(d), d.churn_band, d.channel)
        row = merged.setdefault(key, dict(zip(_OFFER_KEYS, key, strict=True)) | _zeros(_OFFER_SUMS))
        for name in _OFFER_SUMS:
            row[name] = _plus(row[name], getattr(d, name))
    _add(session, OfferBandDayRow, _OFFER_KEYS, _OFFER_SUMS, list(merged.values()))


def add_context_days(
    session: Session, deltas: Collection[ContextDay], max_values: int, other: str
) -> None:
    """Add each delta to its (offer, day, field, value) row, keeping at most `max_values`
    text values per (offer, day, field): a show of a further value counts under `other`, and
    so does an accept (a delta without shows) of a value that has no row, because its show
    went there. Numeric rows (`NUMERIC`) are always kept."""
    if not deltas:
        return
    table = ContextDayRow
    query = sa.select(
        col(table.offer_id), col(table.day), col(table.field), col(table.value)
    ).where(
        col(table.offer_id).in_({d.offer_id for d in deltas}),
        col(table.day).in_({d.day for d in deltas}),
        col(table.field).in_({d.field for d in deltas}),
    )
    stored: set[tuple[str, date, str, str]] = {
        (offer_id, day, name, value)
        for offer_id, day, name, value in session.connection().execute(query)
    }
    kept: dict[tuple[str, date, str], int] = {}
    for offer_id, day, name, value in stored:
        if value != NUMERIC:
            kept[offer_id, day, name] = kept.get((offer_id, day, name), 0) + 1
    merged: dict[tuple[str, date, str, str], dict[str, object]] = {}
    for d in sorted(deltas, key=lambda d: -d.shows):  # the most shown values get rows first
        day = _day_of(d)
        group = (d.offer_id, day, d.field)
        value = d.value
        is_new = value != NUMERIC and (d.offer_id, day, d.field, value) not in stored
        if is_new and (d.shows == 0 or kept.get(group, 0) >= max_values):
            value = other
        key = (d.offer_id, day, d.field, value)
        if key not in stored:
            stored.add(key)
            if value != NUMERIC:
                kept[group] = kept.get(group, 0) + 1
        row = merged.setdefault(
            key, dict(zip(_CONTEXT_KEYS, key, strict=True)) | _zeros(_CONTEXT_SUMS)
        )
        for name in _CONTEXT_SUMS:
            row[name] = _plus(row[name], getattr(d, name))
    _add(session, table, _CONTEXT_KEYS, _CONTEXT_SUMS, list(merged.values()))


_OFFER_KEYS = ("offer_id", "day", "churn_band", "channel")
_OFFER_SUMS = ("shows", "propensity_sum", "answered", "accepts", "spend")
_CONTEXT_KEYS = ("offer_id", "day", "field", "value")
_CONTEXT_SUMS = ("shows", "accepts", "shows_sum", "accepts_sum")


def _add(
    session: Session,
    table: type[OfferBandDayRow] | type[ContextDayRow],
    keys: Sequence[str],
    sums: Sequence[str],
    rows: list[dict[str, object]],
) -> None:
    """Insert each row, or add its sums to the row of its key where there is one: one
    `INSERT ... ON CONFLICT DO UPDATE` for all (SQLite and PostgreSQL alike)."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        statement: sqlite.Insert | postgresql.Insert = postgresql.insert(table)
    else:
        statement = sqlite.insert(table)
    excluded = statement.excluded
    columns = sa.inspect(table).columns
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: columns[name] + excluded[name] for name in sums}
    )
    session.connection().execute(statement, rows)


def _zeros(names: Sequence[str]) -> dict[str, object]:
    return dict.fromkeys(names, 0)


def _plus(total: object, delta: object) -> object:
    if isinstance(total, int | float) and isinstance(delta, int | float):
        return total + delta
    raise TypeError(f"cannot add {delta!r} to {total!r}")


Dimension = Literal["day", "churn_band", "channel"]


def offer_figures(
    session: Session,
    offer_ids: Sequence[str] | None,
    start: date | None,
    end: date,
    by: Sequence[Dimension] = (),
) -> list[OfferDay]:
    """The figures of `offer_ids` (None: every row, `ALL_OFFERS` included) over
    `start <= day <= end` (`start` None: from the first), summed per offer and per each of
    `by`; a dimension not in `by` is summed over (None / "" in the result). Ordered by `by`.
    """
    dimensions = [_DIMENSIONS[name] for name in by]
    sums = [sa.func.sum(_SUMMED[name]).label(name) for name in _OFFER_SUMS]
    query = sa.select(col(OfferBandDayRow.offer_id), *dimensions, *sums).where(
        col(OfferBandDayRow.day) <= end
    )
    if start is not None:
        query = query.where(col(OfferBandDayRow.day) >= start)
    if offer_ids is not None:
        query = query.where(col(OfferBandDayRow.offer_id).in_(list(offer_ids)))
    query = query.group_by(col(OfferBandDayRow.offer_id), *dimensions).order_by(*dimensions)
    found = []
    for row in session.connection().execute(query):
        m = row._mapping
        found.append(
            OfferDay(
                offer_id=m["offer_id"],
                day=m["day"] if "day" in by else None,
                churn_band=m["churn_band"] if "churn_band" in by else "",
                channel=m["channel"] if "channel" in by else "",
                shows=int(m["shows"]),
                propensity_sum=float(m["propensity_sum"]),
                answered=int(m["answered"]),
                accepts=int(m["accepts"]),
                spend=float(m["spend"]),
            )
        )
    return found


def offer_totals(
    session: Session, start: date | None, end: date, offer_ids: Iterable[str] | None = None
) -> dict[str, OfferDay]:
    """Each offer's figures summed over `start <= day <= end` and every band and channel."""
    ids = None if offer_ids is None else list(offer_ids)
    return {f.offer_id: f for f in offer_figures(session, ids, start, end)}


_DIMENSIONS = {
    "day": col(OfferBandDayRow.day),
    "churn_band": col(OfferBandDayRow.churn_band),
    "channel": col(OfferBandDayRow.channel),
}
_SUMMED = {
    "shows": col(OfferBandDayRow.shows),
    "propensity_sum": col(OfferBandDayRow.propensity_sum),
    "answered": col(OfferBandDayRow.answered),
    "accepts": col(OfferBandDayRow.accepts),
    "spend": col(OfferBandDayRow.spend),
}


def context_totals(
    session: Session, offer_ids: Sequence[str], start: date | None, end: date
) -> list[ContextDay]:
    """Each (offer, field, value) of `offer_ids` summed over `start <= day <= end`."""
    query = sa.select(
        col(ContextDayRow.offer_id),
        col(ContextDayRow.field),
        col(ContextDayRow.value),
        sa.func.sum(col(ContextDayRow.shows)),
        sa.func.sum(col(ContextDayRow.accepts)),
        sa.func.sum(col(ContextDayRow.shows_sum)),
        sa.func.sum(col(ContextDayRow.accepts_sum)),
    ).where(col(ContextDayRow.offer_id).in_(list(offer_ids)), col(ContextDayRow.day) <= end)
    if start is not None:
        query = query.where(col(ContextDayRow.day) >= start)
    query = query.group_by(
        col(ContextDayRow.offer_id), col(ContextDayRow.field), col(ContextDayRow.value)
    )
    return [
        ContextDay(offer_id, None, name, value, int(shows), int(accepts), float(shows_sum),
                   float(accepts_sum))
        for offer_id, name, value, shows, accepts, shows_sum, accepts_sum
        in session.connection().execute(query)
    ]  # fmt: skip


def first_day(session: Session) -> date | None:
    """The earliest day in the summaries, or None when they are empty."""
    found = session.execute(sa.select(sa.func.min(col(OfferBandDayRow.day)))).scalar()
    return found if isinstance(found, date) else None


def _day_of(delta: OfferDay | ContextDay) -> date:
    if delta.day is None:
        raise ValueError("a delta to add needs its day")
    return delta.day


def _key(raw: object) -> Key | None:
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        return None
    return parse_time(raw[0], "mark"), str(raw[1])


def _key_json(key: Key | None) -> list[str] | None:
    return None if key is None else [key[0].isoformat(), key[1]]
