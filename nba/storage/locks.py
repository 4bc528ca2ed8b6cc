"""Named leases shared by every process on one database (e.g. the single trainer).

A lease is a row (name, owner, expires_at). Taking it is one atomic statement on SQLite and
PostgreSQL alike: an UPDATE that only matches when the lease is ours or has expired, else an
INSERT that only one process can win (primary key). Callers commit right after.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select, update

from nba.storage.tables import LockRow


def acquire_lock(session: Session, name: str, owner: str, ttl_s: float, now: datetime) -> bool:
    """Take or renew the lease `name` for `ttl_s` seconds; False if another owner holds it."""
    expires = now + timedelta(seconds=ttl_s)
    taken = session.exec(
        update(LockRow)
        .where(col(LockRow.name) == name)
        .where((col(LockRow.owner) == owner) | (col(LockRow.expires_at) < now))
        .values(owner=owner, expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:
        return True
    if session.get(LockRow, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(LockRow(name=name, owner=owner, expires_at=expires))
    except IntegrityError:
        return False
    return True


def renew_lock(session: Session, name: str, owner: str, ttl_s: float, now: datetime) -> bool:
    """Extend a lease this owner still holds (not expired); False if it was lost."""
    renewed = session.exec(
        update(LockRow)
        .where(col(LockRow.name) == name)
        .where(col(LockRow.owner) == owner)
        .where(col(LockRow.expires_at) >= now)
        .values(expires_at=now + timedelta(seconds=ttl_s))
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1


def release_lock(session: Session, name: str, owner: str) -> None:
    """Give the lease back if this owner holds it."""
    session.exec(
        delete(LockRow).where(col(LockRow.name) == name).where(col(LockRow.owner) == owner)
    )


def lock_holder(session: Session, name: str, now: datetime) -> tuple[str, datetime] | None:
    """(owner, expires_at) of a live lease, or None if it is free or expired."""
    row = session.exec(select(LockRow).where(col(LockRow.name) == name)).first()
    if row is None or row.expires_at < now:
        return None
    return row.owner, row.expires_at
