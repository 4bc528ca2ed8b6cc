"""Campaigns and their assignments: one row per campaign, one per customer assigned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nba.domain import Campaign
from nba.errors import NotFound
from nba.storage.tables import (
    CampaignAssignmentRow,
    CampaignRow,
    OutcomeRow,
    RetentionRow,
    metadata,
)

_IN_CHUNK = 900
"""Ids per `IN (...)` query: below SQLite's oldest limit of 999 bound parameters."""


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """One offer's assignments in one arm of a campaign (treated or holdout), with answers."""

    offer_id: str
    holdout: bool
    assigned: int
    expected_accepts: float
    expected_reward: float
    answered: int
    accepts: int
    retention_answered: int
    retained: int


def add_campaign(
    session: Session, campaign_id: str, spec: Mapping[str, object], created_at: datetime
) -> Campaign:
    """Store a pending campaign."""
    row = CampaignRow(id=campaign_id, status="pending", spec=dict(spec), created_at=created_at)
    session.add(row)
    session.flush()
    return _to_campaign(row)


def get_campaign(session: Session, campaign_id: str) -> Campaign | None:
    """One campaign, or None."""
    row = session.get(CampaignRow, campaign_id)
    return None if row is None else _to_campaign(row)


def list_campaigns(session: Session, limit: int = 100) -> list[Campaign]:
    """The newest campaigns first."""
    query = select(CampaignRow).order_by(col(CampaignRow.created_at).desc()).limit(limit)
    return [_to_campaign(row) for row in session.exec(query)]


def update_campaign(
    session: Session,
    campaign_id: str,
    *,
    status: str | None = None,
    plan: Mapping[str, object] | None = None,
    summary: Mapping[str, object] | None = None,
    rows_done: int | None = None,
    error: str | None = None,
    finished_at: datetime | None = None,
) -> Campaign:
    """Change what is given of a campaign's status, plan, summary, progress or error."""
    row = session.get(CampaignRow, campaign_id)
    if row is None:
        raise NotFound("campaign", campaign_id)
    if status is not None:
        row.status = status
        row.error = error
        row.finished_at = finished_at
    if plan is not None:
        row.plan = dict(plan)
    if summary is not None:
        row.summary = dict(summary)
    if rows_done is not None:
        row.rows_done = rows_done
    session.add(row)
    session.flush()
    return _to_campaign(row)


def assigned_rows(
    session: Session, campaign_id: str, customer_ids: Sequence[str]
) -> dict[str, int]:
    """Of `customer_ids`, those the campaign assigned already, with the input row of each."""
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(customer_ids))
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    # Plain SQL: a campaign asks this of every batch, and compiling an IN of 900 bound
    # values through SQLAlchemy took longer than the database's lookups.
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        sql = (
            f'SELECT customer_id, "row" FROM campaign_assignments WHERE campaign_id = {mark} '
            f"AND customer_id IN ({', '.join([mark] * len(chunk))})"
        )
        found.update(
            (str(c), int(r)) for c, r in connection.exec_driver_sql(sql, (campaign_id, *chunk))
        )
    return found


def count_assignments(session: Session, campaign_id: str) -> int:
    """How many customers the campaign assigned."""
    query = sa.select(sa.func.count()).where(col(CampaignAssignmentRow.campaign_id) == campaign_id)
    return int(session.connection().execute(query).scalar_one())


def group_figures(session: Session, campaign_id: str) -> list[GroupFigures]:
    """Per offer and arm: assignments, their expected accepts and reward, and the answers in."""
    a, o, r = CampaignAssignmentRow, OutcomeRow, RetentionRow
    accepted = sa.case((col(o.accepted).is_(True), 1), else_=0)
    retained = sa.case((col(r.retained).is_(True), 1), else_=0)
    query = (
        sa.select(
            col(a.offer_id),
            col(a.holdout),
            sa.func.count(),
            sa.func.sum(col(a.expected_accepts)),
            sa.func.sum(col(a.expected_reward)),
            sa.func.count(col(o.decision_id)),
            sa.func.coalesce(sa.func.sum(accepted), 0),
            sa.func.count(col(r.decision_id)),
            sa.func.coalesce(sa.func.sum(retained), 0),
        )
        .select_from(a)
        .outerjoin(o, col(o.decision_id) == col(a.decision_id))
        .outerjoin(r, col(r.decision_id) == col(a.decision_id))
        .where(col(a.campaign_id) == campaign_id)
        .group_by(col(a.offer_id), col(a.holdout))
        .order_by(col(a.offer_id), col(a.holdout))
    )
    return [
        GroupFigures(
            offer_id=str(offer),
            holdout=bool(holdout),
            assigned=int(n),
            expected_accepts=float(ea or 0.0),
            expected_reward=float(er or 0.0),
            answered=int(answered),
            accepts=int(accepts),
            retention_answered=int(r_answered),
            retained=int(kept),
        )
        for offer, holdout, n, ea, er, answered, accepts, r_answered, kept in (
            session.connection().execute(query)
        )
    ]


def _to_campaign(row: CampaignRow) -> Campaign:
    return Campaign(
        id=row.id,
        status=row.status,
        spec=dict(row.spec),
        created_at=row.created_at,
        finished_at=row.finished_at,
        plan=None if row.plan is None else dict(row.plan),
        summary=dict(row.summary),
        rows_done=row.rows_done,
        error=row.error,
    )


DECISION_JSON_COLUMNS = ("context", "eligible", "probabilities", "scores", "excluded")
"""The decision columns `add_encoded_decisions` takes as JSON text."""


BULK_CACHE_KIB = 65_536
"""SQLite's page cache, in KiB, on a connection that logs campaign batches (the default is
2,000 KiB): a batch's inserts touch the pages of five indexes, which then stay in memory
until the commit instead of being written to the WAL and read back."""


def prepare_bulk_write(session: Session) -> None:
    """Ready the session's connection for inserting a campaign batch (SQLite: a page cache of
    `BULK_CACHE_KIB`, kept by the pooled connection; nothing on PostgreSQL)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")


def add_encoded_decisions(
    session: Session, rows: Sequence[Mapping[str, object]], *, ts: datetime
) -> None:
    """Log decisions made at `ts` whose JSON columns (`DECISION_JSON_COLUMNS`) are encoded
    already; the rows have every other column of `decisions`.

    A campaign logs a decision per customer: each JSON value is encoded once (orjson, the
    eligible offers once per batch) and the rows go to the driver's bulk path as they are
    (COPY on PostgreSQL, `executemany` on SQLite), without SQLAlchemy's per-value processing
    (the log write took 150 us a decision through the ORM's JSON type).
    """
    _insert_rows(session, "decisions", rows, {"ts": ts}, json_columns=DECISION_JSON_COLUMNS)


def add_assignments(
    session: Session, campaign_id: str, rows: Sequence[Mapping[str, object]]
) -> None:
    """Store the campaign's assignments (every other column of `campaign_assignments`) in
    bulk (COPY on PostgreSQL, `executemany` on SQLite).

    A customer already assigned in the campaign violates the primary key: the transaction
    fails, and with it the decisions logged in it.
    """
    _insert_rows(session, "campaign_assignments", rows, {"campaign_id": campaign_id})


def _insert_rows(
    session: Session,
    table_name: str,
    rows: Sequence[Mapping[str, object]],
    constants: Mapping[str, object],
    *,
    json_columns: Sequence[str] = (),
) -> None:
    """INSERT `rows` in bulk: PostgreSQL's COPY (psycopg), else the driver's executemany.
    Row values go as they are (numbers, text, booleans, None; JSON as text); the `constants`
    (the same for every row, a time say) go through their column's type once."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    table = metadata.tables[table_name]
    varying = [c.name for c in table.columns if c.name not in constants]
    fixed = [c.name for c in table.columns if c.name in constants]
    tail = tuple(_bound(table.c[n], constants[n], dialect) for n in fixed)
    pick = itemgetter(*varying)
    values = [(*pick(row), *tail) for row in rows]
    names = ", ".join(f'"{n}"' for n in [*varying, *fixed])
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        # COPY parses each JSON text into its json column, as the ::json cast below does.
        driver = connection.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{table_name}" ({names}) FROM STDIN') as copy,
        ):
            for row in values:
                copy.write_row(row)
        return
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    cast = dialect.name == "postgresql"
    marks = [f"{mark}::json" if cast and n in json_columns else mark for n in [*varying, *fixed]]
    sql = f'INSERT INTO "{table_name}" ({names}) VALUES ({", ".join(marks)})'
    connection.exec_driver_sql(sql, values)


def _bound(column: sa.Column[object], value: object, dialect: sa.Dialect) -> object:
    process = column.type.bind_processor(dialect)
    value = value if process is None else process(value)
    if dialect.name == "sqlite" and isinstance(value, datetime):
        # What the sqlite3 driver's default adapter would store, made once, not once a row.
        return value.isoformat(" ")
    return value
