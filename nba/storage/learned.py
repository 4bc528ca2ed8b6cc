"""What the learners have learned: feedback not yet in any model version, and its marks.

An answer's `learned_version` is set in the same transaction that stores the model version
that learned it, so each answer (of each kind) is learned into the saved lineage exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select, update

from nba.clock import utc_now
from nba.domain import Decision, FeedbackKind
from nba.storage.decisions import to_decision
from nba.storage.feedback import feedback_table
from nba.storage.tables import (
    DecisionRow,
    ModelVersionRow,
    OutcomeRow,
    RetentionRow,
    StateRow,
)

_CHUNK = 5000

Key = tuple[datetime, str]
"""A position in (outcome ts, decision id) order."""


def _walk_unlearned_index(session: Session) -> None:
    """PostgreSQL: plan this transaction's queries without sorting, so that a page of unlearned
    rows is read by walking the partial (ts, decision id) index.

    Before a table has statistics (freshly loaded), the planner chose a bitmap scan and a sort
    of every remaining row for each page: 100 ms a page at 20,000 rows, quadratic in the
    backlog; with no sort, 20-25 ms (benchmarks/learn_from_db.py), statistics or not.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL enable_sort = off"))


Q = TypeVar("Q", bound=sa.Select[Any])


def _unlearned_page(
    session: Session, query: Q, kind: FeedbackKind, after: Key | None, limit: int
) -> Q:
    """`query` narrowed to the next `limit` answers of `kind` that no version has learned,
    after `after` in (ts, decision id) order, planned to walk the partial index of them."""
    _walk_unlearned_index(session)
    table = feedback_table(kind)
    query = query.where(col(table.learned_version).is_(None))
    if after is not None:
        # A row-value comparison, so that PostgreSQL walks the partial (ts, id) index.
        query = query.where(sa.tuple_(col(table.ts), col(table.decision_id)) > sa.tuple_(*after))
    return query.order_by(col(table.ts), col(table.decision_id)).limit(limit)


def mark_learned(
    session: Session, kind: FeedbackKind, decision_ids: Sequence[str], version: int
) -> int:
    """Set `learned_version` on the answers of `kind` of `decision_ids` not marked yet;
    returns how many changed.

    PostgreSQL gets every id in one array parameter (`= ANY(:ids)`): a list of thousands of
    placeholders would cost more to build and plan than the update itself. SQLite, which has
    no arrays, gets `IN (...)` lists of at most 5,000 ids.
    """
    table = feedback_table(kind)
    column = col(table.decision_id)
    if session.get_bind().dialect.name == "postgresql":
        chunks, match = [list(decision_ids)], _any_of
    else:
        chunks = [list(decision_ids[i : i + _CHUNK]) for i in range(0, len(decision_ids), _CHUNK)]
        match = _in
    changed = 0
    for chunk in chunks:
        if not chunk:
            continue
        result = session.exec(
            update(table)
            .where(match(column, chunk))
            .where(col(table.learned_version).is_(None))
            .values(learned_version=version)
            .execution_options(synchronize_session=False)
        )
        changed += result.rowcount
    return changed


def _any_of(column: sa.orm.Mapped[str], ids: list[str]) -> sa.ColumnElement[bool]:
    return column == sa.any_(sa.literal(ids, postgresql.ARRAY(sa.String)))


def _in(column: sa.orm.Mapped[str], ids: list[str]) -> sa.ColumnElement[bool]:
    return column.in_(ids)


def learned_counts(session: Session, kind: FeedbackKind) -> tuple[int, int]:
    """(answers of `kind` learned by some version, answers of `kind` not learned yet)."""
    table = feedback_table(kind)
    learned = col(table.learned_version).is_not(None)
    query = select(
        sa.func.count().filter(learned), sa.func.count().filter(sa.not_(learned))
    ).select_from(table)
    done, todo = session.exec(query).one()
    return int(done), int(todo)


def active_version_number(session: Session) -> int | None:
    """The active model version's number only (cheap enough to poll every second)."""
    query = (
        select(ModelVersionRow.version)
        .where(col(ModelVersionRow.is_active).is_(True))
        .order_by(col(ModelVersionRow.version).desc())
        .limit(1)
    )
    return session.exec(query).first()


def get_state(session: Session, name: str) -> dict | None:
    """A named piece of shared state, or None."""
    row = session.get(StateRow, name)
    return None if row is None else dict(row.value)


def set_state(session: Session, name: str, value: dict) -> None:
    """Store a named piece of shared state (replacing it)."""
    row = session.get(StateRow, name)
    if row is None:
        row = StateRow(name=name, value=value, updated_at=utc_now())
    else:
        row.value = value
        row.updated_at = utc_now()
    session.add(row)
    session.flush()


def recent_rewards(
    session: Session, limit: int, policy: str | None = None, *, retention: bool = False
) -> list[tuple[Decision, float]]:
    """The newest `limit` decisions with an outcome, oldest first, with the reward they earned.

    With `retention` the reward is the retention answer's when there is one, else the
    outcome's. `policy` keeps only decisions logged by that policy (e.g. a baseline).
    """
    query = (
        select(DecisionRow, OutcomeRow.reward, RetentionRow.reward)
        .join(OutcomeRow, col(OutcomeRow.decision_id) == DecisionRow.id)
        .outerjoin(RetentionRow, col(RetentionRow.decision_id) == DecisionRow.id)
    )
    if policy is not None:
        query = query.where(col(DecisionRow.policy) == policy)
    query = query.order_by(col(DecisionRow.ts).desc(), col(DecisionRow.id).desc()).limit(limit)
    found = session.exec(query)
    rows = [(to_decision(d), r if k is None or not retention else k) for d, r, k in found]
    return rows[::-1]


def update_model_metrics(session: Session, version: int, metrics: dict[str, float]) -> None:
    """Merge `metrics` into a model version's stored metrics."""
    row = session.get(ModelVersionRow, version)
    if row is None:
        return
    row.metrics = {**row.metrics, **{k: float(v) for k, v in metrics.items()}}
    session.add(row)
    session.flush()


def show_counts(session: Session, offer_ids: Sequence[str]) -> dict[str, int]:
    """How many decisions chose each of `offer_ids` (0 for none)."""
    query = (
        select(DecisionRow.chosen, sa.func.count())
        .where(col(DecisionRow.chosen).in_(list(offer_ids)))
        .group_by(col(DecisionRow.chosen))
    )
    found = {chosen: int(n) for chosen, n in session.exec(query)}
    return {o: found.get(o, 0) for o in offer_ids}


def recent_acceptance(session: Session, limit: int) -> dict[str, list[bool]]:
    """Per chosen offer, its newest `limit` reported outcomes (accepted or not), newest first."""
    chosen = session.exec(
        select(DecisionRow.chosen)
        .join(OutcomeRow, col(OutcomeRow.decision_id) == DecisionRow.id)
        .distinct()
    ).all()
    found: dict[str, list[bool]] = {}
    for offer_id in chosen:
        query = (
            select(OutcomeRow.accepted)
            .join(DecisionRow, col(OutcomeRow.decision_id) == DecisionRow.id)
            .where(col(DecisionRow.chosen) == offer_id)
            .where(col(OutcomeRow.source) == "reported")
            .order_by(col(OutcomeRow.ts).desc())
            .limit(limit)
        )
        found[offer_id] = [bool(a) for a in session.exec(query)]
    return found


class LearnRow(NamedTuple):
    """An unlearned answer as the learners read it: its decision's JSON left undecoded.

    `interim` is the reward of the decision's outcome when this is a retention answer that
    corrects it (`nba.reward.corrected_target`), else None.
    """

    decision_id: str
    reward: float
    interim: float | None
    churn_score: float
    context_json: str
    eligible_json: str
    chosen: str
    propensity: float
    ts: datetime

    @property
    def key(self) -> Key:
        """This answer's place in (ts, decision id) order."""
        return self.ts, self.decision_id


def unlearned_rows(
    session: Session, kind: FeedbackKind, after: Key | None, limit: int
) -> list[LearnRow]:
    """The next `limit` answers of `kind` no model version has learned, after `after` in
    (ts, decision id) order, with the columns learning needs and JSON as text (fast)."""
    table = feedback_table(kind)
    corrects = kind is FeedbackKind.RETENTION
    interim = sa.cast(col(OutcomeRow.reward) if corrects else sa.null(), sa.Float)
    query = sa.select(
        col(table.decision_id),
        col(table.reward),
        interim,
        col(DecisionRow.churn_score),
        sa.cast(col(DecisionRow.context), sa.Text),
        sa.cast(col(DecisionRow.eligible), sa.Text),
        col(DecisionRow.chosen),
        col(DecisionRow.propensity),
        col(table.ts),
    ).join(DecisionRow, col(table.decision_id) == col(DecisionRow.id))
    if corrects:
        query = query.outerjoin(OutcomeRow, col(OutcomeRow.decision_id) == DecisionRow.id)
    query = _unlearned_page(session, query, kind, after, limit)
    return list(map(LearnRow._make, session.connection().execute(query)))
