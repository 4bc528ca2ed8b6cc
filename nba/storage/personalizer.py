"""Queries of the Personalizer loops: loops and their keys, logged slots, published models.

Rows of one loop never mix with another's or with the retention tables. Functions add and
flush; the caller commits (`Database.session()`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from nba.personalizer.values import LoggedSlot, Loop, PublishedModel
from nba.storage.tables import (
    LoopEvaluationRow,
    LoopEventRow,
    LoopKeyRow,
    LoopModelRow,
    LoopRow,
)

_KEPT_MODELS = 5
"""How many published models of a loop are kept (the newest)."""


def get_loop(session: Session, name: str) -> Loop | None:
    """The loop `name`, or None."""
    row = session.get(LoopRow, name)
    return None if row is None else _loop(row)


def add_loop(session: Session, name: str, now: datetime) -> Loop:
    """Create the loop `name` with default settings (the caller checks it is new)."""
    row = LoopRow(name=name, service={}, policy={}, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return _loop(row)


def list_loops(session: Session) -> list[Loop]:
    """Every loop, by name."""
    return [_loop(row) for row in session.exec(select(LoopRow).order_by(col(LoopRow.name)))]


def update_loop(
    session: Session,
    name: str,
    now: datetime,
    *,
    service: Mapping[str, Any] | None = None,
    policy: Mapping[str, Any] | None = None,
) -> Loop:
    """Replace a loop's service configuration and/or learning settings."""
    row = session.get(LoopRow, name)
    if row is None:
        raise KeyError(name)
    if service is not None:
        row.service = dict(service)
    if policy is not None:
        row.policy = dict(policy)
    row.updated_at = now
    session.add(row)
    session.flush()
    return _loop(row)


def bind_key(session: Session, key_id: str, loop: str) -> None:
    """Make the key `key_id` a key of `loop`."""
    session.add(LoopKeyRow(key_id=key_id, loop=loop))
    session.flush()


def loop_of_key(session: Session, key_id: str) -> str | None:
    """The loop a key belongs to, or None (then it speaks to the default loop)."""
    row = session.get(LoopKeyRow, key_id)
    return None if row is None else row.loop


def add_slots(session: Session, slots: Iterable[LoggedSlot]) -> None:
    """Log the slots of one new event, with one Core INSERT (ORM adds cost twice the CPU)."""
    rows = [
        {
            "loop": s.loop, "event_id": s.event_id, "slot_id": s.slot_id, "ts": s.ts,
            "context": list(s.context),
            "slot_features": None if s.slot_features is None else list(s.slot_features),
            "actions": [{"id": a, "features": list(f)} for a, f in s.actions],
            "excluded": list(s.excluded), "probabilities": list(s.probabilities),
            "chosen": s.chosen, "propensity": s.propensity, "mode": s.mode,
            "model_version": s.model_version, "is_active": s.is_active,
            "activated_at": s.activated_at, "reward": s.reward, "reward_count": s.reward_count,
            "rewarded_at": None, "learned_at": None, "learned_reward": None,
        }
        for s in slots
    ]  # fmt: skip
    if rows:
        session.connection().execute(sa.insert(LoopEventRow), rows)


def event_exists(session: Session, loop: str, event_id: str) -> bool:
    """Whether `loop` has logged an event with this id."""
    query = (
        sa.select(sa.literal(1))
        .select_from(LoopEventRow)
        .where(col(LoopEventRow.loop) == loop, col(LoopEventRow.event_id) == event_id)
        .limit(1)
    )
    return session.connection().execute(query).first() is not None


def event_rows(session: Session, loop: str, event_id: str) -> list[LoopEventRow]:
    """The rows of one event, for update in this session (never returned past the storage)."""
    query = select(LoopEventRow).where(
        col(LoopEventRow.loop) == loop, col(LoopEventRow.event_id) == event_id
    )
    return list(session.exec(query.with_for_update()))


def slots_of(rows: Iterable[LoopEventRow]) -> list[LoggedSlot]:
    """Rows as values."""
    return [_slot(row) for row in rows]


def due_slots(
    session: Session, loop: str, waited_since: datetime, *, earliest: bool, limit: int
) -> list[LoggedSlot]:
    """Unlearned, activated slots whose reward is final, oldest first.

    Final: activated before `waited_since` (the reward wait is over), or, with `earliest`
    aggregation, rewarded at all (the first reward is the one learned).
    """
    waited = col(LoopEventRow.activated_at) <= waited_since
    ready = waited | (col(LoopEventRow.reward_count) > 0) if earliest else waited
    query = (
        select(LoopEventRow)
        .where(col(LoopEventRow.loop) == loop, col(LoopEventRow.learned_at).is_(None))
        .where(col(LoopEventRow.is_active), col(LoopEventRow.activated_at).is_not(None))
        .where(ready)
        .order_by(col(LoopEventRow.ts), col(LoopEventRow.event_id), col(LoopEventRow.slot_id))
        .limit(limit)
    )
    return [_slot(row) for row in session.exec(query)]


def mark_learned(
    session: Session, loop: str, learned: Sequence[tuple[str, str, float]], now: datetime
) -> None:
    """Record that the slots `(event_id, slot_id, reward)` were learned at `now`."""
    for event_id, slot_id, reward in learned:
        row = session.get(LoopEventRow, (loop, event_id, slot_id))
        if row is not None:
            row.learned_at, row.learned_reward = now, reward
            session.add(row)
    session.flush()


def logged_slots(
    session: Session, loop: str, start: datetime | None = None, end: datetime | None = None
) -> list[LoggedSlot]:
    """A loop's logged slots between `start` and `end` (inclusive), oldest first."""
    query = select(LoopEventRow).where(col(LoopEventRow.loop) == loop)
    if start is not None:
        query = query.where(col(LoopEventRow.ts) >= start)
    if end is not None:
        query = query.where(col(LoopEventRow.ts) <= end)
    query = query.order_by(
        col(LoopEventRow.ts), col(LoopEventRow.event_id), col(LoopEventRow.slot_id)
    )
    return [_slot(row) for row in session.exec(query)]


def log_range(session: Session, loop: str) -> tuple[datetime | None, datetime | None, int]:
    """The first and last time of a loop's log, and its number of slots."""
    query = select(func.min(LoopEventRow.ts), func.max(LoopEventRow.ts), func.count()).where(
        col(LoopEventRow.loop) == loop
    )
    first, last, count = session.exec(query).one()
    return first, last, int(count)


def delete_log(session: Session, loop: str) -> int:
    """Delete a loop's whole log; returns the number of slots deleted."""
    result = session.exec(delete(LoopEventRow).where(col(LoopEventRow.loop) == loop))
    return int(result.rowcount or 0)


def delete_log_before(session: Session, loop: str, before: datetime) -> int:
    """Delete a loop's slots ranked before `before`; returns how many."""
    result = session.exec(
        delete(LoopEventRow).where(col(LoopEventRow.loop) == loop, col(LoopEventRow.ts) < before)
    )
    return int(result.rowcount or 0)


def latest_model(session: Session, loop: str) -> PublishedModel | None:
    """A loop's newest published model, or None."""
    query = (
        select(LoopModelRow)
        .where(col(LoopModelRow.loop) == loop)
        .order_by(col(LoopModelRow.version).desc())
        .limit(1)
    )
    row = session.exec(query).first()
    return None if row is None else _model(row)


def latest_version(session: Session, loop: str) -> int | None:
    """The version of a loop's newest published model, or None (one cheap query)."""
    query = select(func.max(LoopModelRow.version)).where(col(LoopModelRow.loop) == loop)
    found = session.exec(query).one()
    return None if found is None else int(found)


def first_model_time(session: Session, loop: str) -> datetime | None:
    """When a loop's oldest kept model was published."""
    query = select(func.min(LoopModelRow.created_at)).where(col(LoopModelRow.loop) == loop)
    return session.exec(query).one()


def add_model(
    session: Session, loop: str, data: bytes, params: dict[str, Any], source: str,
    events: int, now: datetime,
) -> PublishedModel:  # fmt: skip
    """Publish a new model version of `loop` (the newest `_KEPT_MODELS` are kept)."""
    version = (latest_version(session, loop) or 0) + 1
    row = LoopModelRow(loop=loop, version=version, data=data, params=params, source=source,
                       events=events, created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    session.exec(
        delete(LoopModelRow).where(
            col(LoopModelRow.loop) == loop, col(LoopModelRow.version) <= version - _KEPT_MODELS
        )
    )
    return _model(row)


def put_evaluation(session: Session, loop: str, evaluation_id: str, **values: Any) -> None:
    """Create or update an evaluation record of `loop`."""
    row = session.get(LoopEvaluationRow, (loop, evaluation_id))
    if row is None:
        row = LoopEvaluationRow(loop=loop, id=evaluation_id, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.add(row)
    session.flush()


def get_evaluation(session: Session, loop: str, evaluation_id: str) -> dict[str, Any] | None:
    """An evaluation record of `loop` as a plain dict, or None."""
    row = session.get(LoopEvaluationRow, (loop, evaluation_id))
    return None if row is None else row.model_dump()


def list_evaluations(session: Session, loop: str) -> list[dict[str, Any]]:
    """Every evaluation record of `loop`, newest first."""
    query = (
        select(LoopEvaluationRow)
        .where(col(LoopEvaluationRow.loop) == loop)
        .order_by(col(LoopEvaluationRow.created_at).desc())
    )
    return [row.model_dump() for row in session.exec(query)]


def delete_evaluation(session: Session, loop: str, evaluation_id: str) -> bool:
    """Delete an evaluation record; whether there was one."""
    row = session.get(LoopEvaluationRow, (loop, evaluation_id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def _loop(row: LoopRow) -> Loop:
    return Loop(row.name, dict(row.service), dict(row.policy), row.created_at, row.updated_at)


def _slot(row: LoopEventRow) -> LoggedSlot:
    return LoggedSlot(
        loop=row.loop, event_id=row.event_id, slot_id=row.slot_id, ts=row.ts,
        context=tuple(row.context),
        slot_features=None if row.slot_features is None else tuple(row.slot_features),
        actions=tuple((str(a["id"]), tuple(a.get("features") or ())) for a in row.actions),
        excluded=tuple(row.excluded), probabilities=tuple(float(p) for p in row.probabilities),
        chosen=row.chosen, propensity=row.propensity, mode=row.mode, is_active=row.is_active,
        activated_at=row.activated_at, reward=row.reward, reward_count=row.reward_count,
        learned_at=row.learned_at, learned_reward=row.learned_reward,
        model_version=row.model_version,
    )  # fmt: skip


def _model(row: LoopModelRow) -> PublishedModel:
    return PublishedModel(row.loop, row.version, bytes(row.data), dict(row.params), row.source,
                          row.events, row.created_at)  # fmt: skip
