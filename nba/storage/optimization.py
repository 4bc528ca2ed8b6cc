"""Auto-optimize's storage: answers in (outcome ts, decision id) order, the challengers' state
and the history of comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nba.clock import utc_now
from nba.domain import ChallengerState, Decision, Optimization
from nba.storage._json import freeze
from nba.storage.decisions import to_decision
from nba.storage.learned import Key, LearnRow
from nba.storage.tables import ChallengerRow, DecisionRow, OptimizationRow, OutcomeRow


def holdout(session: Session, n: int) -> tuple[list[tuple[Decision, float]], Key | None]:
    """The newest `n` decisions with an outcome (by outcome ts), oldest first, with their
    reward; and the key of the oldest of them (None when there are none)."""
    query = (
        select(DecisionRow, OutcomeRow.reward, OutcomeRow.ts)
        .join(OutcomeRow, col(OutcomeRow.decision_id) == DecisionRow.id)
        .order_by(col(OutcomeRow.ts).desc(), col(OutcomeRow.decision_id).desc())
        .limit(n)
    )
    found = list(session.exec(query))[::-1]
    if not found:
        return [], None
    first = found[0]
    return [(to_decision(d), float(r)) for d, r, _ in found], (first[2], first[0].id)


def holdout_start(session: Session, n: int) -> Key | None:
    """The key of the `n`-th newest outcome (the oldest held-out one), or None when there are
    fewer than `n` outcomes (then every outcome is held out)."""
    query = (
        select(OutcomeRow.ts, OutcomeRow.decision_id)
        .order_by(col(OutcomeRow.ts).desc(), col(OutcomeRow.decision_id).desc())
        .offset(n - 1)
        .limit(1)
    )
    found = session.exec(query).first()
    return None if found is None else (found[0], found[1])


def rewarded_rows(
    session: Session, after: Key | None, before: Key | None, limit: int
) -> list[LearnRow]:
    """Up to `limit` answers (outcomes) strictly between `after` and `before` in (outcome ts,
    decision id) order, learned by a model version or not, as the learners read them."""
    query = sa.select(
        col(OutcomeRow.decision_id),
        col(OutcomeRow.reward),
        sa.cast(sa.null(), sa.Float),
        col(DecisionRow.churn_score),
        sa.cast(col(DecisionRow.context), sa.Text),
        sa.cast(col(DecisionRow.eligible), sa.Text),
        col(DecisionRow.chosen),
        col(DecisionRow.propensity),
        col(OutcomeRow.ts),
    ).join(DecisionRow, col(OutcomeRow.decision_id) == col(DecisionRow.id))
    position = sa.tuple_(col(OutcomeRow.ts), col(OutcomeRow.decision_id))
    if after is not None:
        query = query.where(position > sa.tuple_(*after))
    if before is not None:
        query = query.where(position < sa.tuple_(*before))
    query = query.order_by(col(OutcomeRow.ts), col(OutcomeRow.decision_id)).limit(limit)
    return list(map(LearnRow._make, session.connection().execute(query)))


def challengers(session: Session) -> dict[str, ChallengerState]:
    """Every stored challenger by name."""
    return {row.name: _to_state(row) for row in session.exec(select(ChallengerRow))}


def save_challenger(session: Session, state: ChallengerState) -> None:
    """Insert or replace a challenger's state."""
    row = session.get(ChallengerRow, state.name) or ChallengerRow(
        name=state.name, policy=state.policy, data=b""
    )
    row.policy, row.params, row.data = state.policy, dict(state.params), state.data
    row.learned = state.learned
    row.learned_ts, row.learned_id = state.learned_until or (None, None)
    row.updated_at = utc_now()
    session.add(row)
    session.flush()


def add_optimization(
    session: Session,
    computed_at: datetime,
    champion_version: int | None,
    rows: int,
    results: Sequence[Mapping[str, object]],
    promoted: str | None = None,
    promoted_version: int | None = None,
    note: str | None = None,
) -> Optimization:
    """Store one comparison."""
    row = OptimizationRow(
        computed_at=computed_at,
        champion_version=champion_version,
        rows=rows,
        results=[dict(r) for r in results],
        promoted=promoted,
        promoted_version=promoted_version,
        note=note,
    )
    session.add(row)
    session.flush()
    return _to_optimization(row)


def list_optimizations(session: Session, limit: int = 100) -> list[Optimization]:
    """The newest `limit` comparisons, newest first."""
    query = (
        select(OptimizationRow)
        .order_by(col(OptimizationRow.computed_at).desc(), col(OptimizationRow.id).desc())
        .limit(limit)
    )
    return [_to_optimization(row) for row in session.exec(query)]


def _to_state(row: ChallengerRow) -> ChallengerState:
    until = None
    if row.learned_ts is not None and row.learned_id is not None:
        until = (row.learned_ts, row.learned_id)
    return ChallengerState(
        name=row.name,
        policy=row.policy,
        params=tuple((k, freeze(v)) for k, v in row.params.items()),
        data=bytes(row.data),
        learned=row.learned,
        learned_until=until,
    )


def _to_optimization(row: OptimizationRow) -> Optimization:
    return Optimization(
        id=int(row.id or 0),
        computed_at=row.computed_at,
        champion_version=row.champion_version,
        rows=row.rows,
        results=tuple(row.results),
        promoted=row.promoted,
        promoted_version=row.promoted_version,
        note=row.note,
    )
