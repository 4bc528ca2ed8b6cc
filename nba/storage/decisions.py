"""The decision log: one row per decision, and its export in the logged-data schema."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nba.domain import Decision
from nba.errors import InvalidInput
from nba.logschema import COLUMNS, EXPORT_COLUMNS
from nba.storage import _json
from nba.storage.database import Database
from nba.storage.tables import DecisionRow, OfferRow, OutcomeRow, RetentionRow

if TYPE_CHECKING:
    import pandas as pd

_Q = TypeVar("_Q", bound=sa.Select[Any])


def add_decision(session: Session, decision: Decision) -> None:
    """Log one decision."""
    add_decisions(session, [decision])


def add_decisions(session: Session, decisions: Sequence[Decision]) -> None:
    """Log decisions with one Core INSERT (half the CPU of ORM unit-of-work adds)."""
    if decisions:
        session.connection().execute(sa.insert(DecisionRow), [_row(d) for d in decisions])


def log_decisions(database: Database, decisions: Sequence[Decision]) -> None:
    """Log decisions in a transaction of their own, committed when this returns: the serving
    path's write (`Database.insert`, a prepared statement, no session)."""
    table = DecisionRow.metadata.tables[DecisionRow.__tablename__]
    database.insert(table, [_row(d) for d in decisions])


def _row(decision: Decision) -> dict[str, object]:
    chosen_version = next(
        (e.version for e in decision.eligible if e.offer_id == decision.chosen), None
    )
    if chosen_version is None:
        raise InvalidInput("chosen", f"{decision.chosen!r} is not among the eligible offers")
    return {
        "id": decision.id,
        "ts": decision.ts,
        "customer_id": decision.customer_id,
        "churn_score": decision.churn_score,
        "context": dict(decision.context),
        "channel": decision.channel,
        "eligible": _json.eligible_to_json(decision.eligible),
        "probabilities": list(decision.probabilities),
        "scores": list(decision.scores),
        "chosen": decision.chosen,
        "chosen_version": chosen_version,
        "propensity": decision.propensity,
        "policy": decision.policy,
        "model_version": decision.model_version,
        "excluded": _json.excluded_to_json(decision.excluded) or None,
    }


def get_decision(session: Session, decision_id: str) -> Decision | None:
    """One logged decision by id, or None."""
    row = session.get(DecisionRow, decision_id)
    return None if row is None else to_decision(row)


def list_decisions(
    session: Session,
    start: datetime | None = None,
    end: datetime | None = None,
    channel: str | None = None,
    offer_ids: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Decision]:
    """Decisions with `start <= ts < end`, on `channel`, choosing one of `offer_ids`, by ts."""
    query = _filtered(select(DecisionRow), start, end, channel, offer_ids)
    query = query.order_by(col(DecisionRow.ts), col(DecisionRow.id)).limit(limit)
    return [to_decision(row) for row in session.exec(query)]


def count_decisions(session: Session) -> int:
    """How many decisions are logged."""
    return int(session.exec(select(sa.func.count()).select_from(DecisionRow)).one())


def log_frame(
    session: Session,
    start: datetime | None = None,
    end: datetime | None = None,
    channel: str | None = None,
    offer_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The decision log in the export's schema (`nba.logschema.EXPORT_COLUMNS`), ordered by ts.

    One row per decision from one outer-joined query; `reward` and `accepted` are null where
    no outcome came yet. `context` is JSON text, `eligible` a list of offer ids and
    `probabilities` a list in the same order, as are the eligible offers' versions, categories
    and features (JSON text). Filters as in `list_decisions`.
    """
    import pandas as pd  # here: the commands that never read the log start faster without it

    query = sa.select(
        col(DecisionRow.id),
        col(DecisionRow.ts),
        col(DecisionRow.customer_id),
        col(DecisionRow.churn_score),
        col(DecisionRow.context),
        col(DecisionRow.eligible),
        col(DecisionRow.probabilities),
        col(DecisionRow.chosen),
        col(DecisionRow.propensity),
        col(OutcomeRow.reward),
        col(OutcomeRow.accepted),
        col(DecisionRow.policy),
        col(DecisionRow.model_version),
    ).outerjoin(OutcomeRow, col(OutcomeRow.decision_id) == col(DecisionRow.id))
    query = _filtered(query, start, end, channel, offer_ids).order_by(
        col(DecisionRow.ts), col(DecisionRow.id)
    )
    rows = session.connection().execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)
    data = dict(zip(COLUMNS, columns, strict=True))
    snapshots = data["eligible"]
    frame = pd.DataFrame(
        {
            "decision_id": pd.Series(data["decision_id"], dtype=object),
            "ts": pd.to_datetime(pd.Series(data["ts"], dtype=object), utc=True),
            "customer_id": pd.Series(data["customer_id"], dtype=object),
            "churn_score": pd.Series(data["churn_score"], dtype="float64"),
            "context": pd.Series([json.dumps(c) for c in data["context"]], dtype=object),
            "eligible": pd.Series(
                [[e["offer_id"] for e in eligible] for eligible in data["eligible"]], dtype=object
            ),
            "probabilities": pd.Series([list(p) for p in data["probabilities"]], dtype=object),
            "offer_id": pd.Series(data["offer_id"], dtype=object),
            "propensity": pd.Series(data["propensity"], dtype="float64"),
            "reward": pd.Series(
                [float("nan") if r is None else r for r in data["reward"]], dtype="float64"
            ),
            "accepted": pd.Series(data["accepted"], dtype="boolean"),
            "policy": pd.Series(data["policy"], dtype=object),
            "model_version": pd.Series(data["model_version"], dtype="Int64"),
            "eligible_versions": pd.Series(
                [[int(e["version"]) for e in eligible] for eligible in snapshots], dtype=object
            ),
            "eligible_categories": pd.Series(
                [[e["category"] for e in eligible] for eligible in snapshots], dtype=object
            ),
            "eligible_features": pd.Series(
                [json.dumps([e.get("features", {}) for e in eligible]) for eligible in snapshots],
                dtype=object,
            ),
        }
    )
    return frame[list(EXPORT_COLUMNS)]


RETENTION_COLUMNS = ("retained", "customer_value", "chosen_cost", "retention_source")
"""What `retention_frame` adds to the log's columns."""


def retention_frame(
    session: Session, start: datetime | None = None, end: datetime | None = None
) -> pd.DataFrame:
    """The decisions made in [start, end) that have a retention answer, in the log's columns
    (`nba.logschema.COLUMNS`; `reward` null, `context` a dict, not JSON text) plus
    `RETENTION_COLUMNS`: whether the customer
    stayed, the customer value reported with the answer (null: none), the cost of the offer
    version the decision chose (0 when that version is gone) and the answer's source
    (`reported` or `default`). One query; decisions without an answer are never read."""
    import pandas as pd

    d, o, r, offer = DecisionRow, OutcomeRow, RetentionRow, OfferRow
    chosen = (col(offer.id) == col(d.chosen)) & (col(offer.version) == col(d.chosen_version))
    query = (
        sa.select(
            col(d.id), col(d.ts), col(d.customer_id), col(d.churn_score), col(d.context),
            col(d.eligible), col(d.probabilities), col(d.chosen), col(d.propensity),
            col(o.accepted), col(d.policy), col(d.model_version), col(r.retained),
            col(r.value), col(offer.cost), col(r.source),
        )
        .join(r, col(r.decision_id) == col(d.id))
        .outerjoin(o, col(o.decision_id) == col(d.id))
        .outerjoin(offer, chosen)
    )  # fmt: skip
    query = _filtered(query, start, end, None, None).order_by(col(d.ts), col(d.id))
    rows = session.connection().execute(query).all()
    names = ("decision_id", "ts", "customer_id", "churn_score", "context", "eligible",
             "probabilities", "offer_id", "propensity", "accepted", "policy", "model_version",
             "retained", "customer_value", "chosen_cost", "retention_source")  # fmt: skip
    data = dict(zip(names, list(zip(*rows, strict=True)) if rows else [()] * len(names),
                    strict=True))  # fmt: skip
    frame = pd.DataFrame(
        {
            "decision_id": pd.Series(data["decision_id"], dtype=object),
            "ts": pd.to_datetime(pd.Series(data["ts"], dtype=object), utc=True),
            "customer_id": pd.Series(data["customer_id"], dtype=object),
            "churn_score": pd.Series(data["churn_score"], dtype="float64"),
            "context": pd.Series(data["context"], dtype=object),
            "eligible": pd.Series([[e["offer_id"] for e in es] for es in data["eligible"]],
                                  dtype=object),
            "probabilities": pd.Series([list(p) for p in data["probabilities"]], dtype=object),
            "offer_id": pd.Series(data["offer_id"], dtype=object),
            "propensity": pd.Series(data["propensity"], dtype="float64"),
            "reward": pd.Series([float("nan")] * len(rows), dtype="float64"),
            "accepted": pd.Series(data["accepted"], dtype="boolean"),
            "policy": pd.Series(data["policy"], dtype=object),
            "model_version": pd.Series(data["model_version"], dtype="Int64"),
            "retained": pd.Series(data["retained"], dtype=bool),
            "customer_value": pd.Series(
                [float("nan") if v is None else v for v in data["customer_value"]],
                dtype="float64",
            ),
            "chosen_cost": pd.Series([c or 0.0 for c in data["chosen_cost"]], dtype="float64"),
            "retention_source": pd.Series(data["retention_source"], dtype=object),
        }
    )  # fmt: skip
    return frame[[*COLUMNS, *RETENTION_COLUMNS]]


def to_decision(row: DecisionRow) -> Decision:
    """The domain value of a decision row (used by the outcomes queries too)."""
    return Decision(
        id=row.id,
        ts=row.ts,
        customer_id=row.customer_id,
        churn_score=row.churn_score,
        context=tuple(row.context.items()),
        channel=row.channel,
        eligible=_json.eligible_from_json(row.eligible),
        probabilities=tuple(float(p) for p in row.probabilities),
        scores=tuple(float(s) for s in row.scores),
        chosen=row.chosen,
        propensity=row.propensity,
        policy=row.policy,
        model_version=row.model_version,
        excluded=_json.excluded_from_json(row.excluded or []),
    )


def _filtered(
    query: _Q,
    start: datetime | None,
    end: datetime | None,
    channel: str | None,
    offer_ids: Sequence[str] | None,
) -> _Q:
    if start is not None:
        query = query.where(col(DecisionRow.ts) >= start)
    if end is not None:
        query = query.where(col(DecisionRow.ts) < end)
    if channel is not None:
        query = query.where(col(DecisionRow.channel) == channel)
    if offer_ids is not None:
        query = query.where(col(DecisionRow.chosen).in_(list(offer_ids)))
    return query


def customer_decisions(
    session: Session, customer_id: str, *, offset: int = 0, limit: int = 20
) -> list[Decision]:
    """One customer's decisions, newest first, `limit` of them after skipping `offset`
    (index on customer_id, ts)."""
    query = (
        select(DecisionRow)
        .where(col(DecisionRow.customer_id) == customer_id)
        .order_by(col(DecisionRow.ts).desc(), col(DecisionRow.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return [to_decision(row) for row in session.exec(query)]


def count_customer_decisions(session: Session, customer_id: str) -> int:
    """How many decisions a customer has in the log (index on customer_id, ts)."""
    query = select(sa.func.count()).where(col(DecisionRow.customer_id) == customer_id)
    return int(session.exec(query).one())
