"""The model registry: saved policy states, which one is active, which are pinned."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from nba.clock import utc_now
from nba.domain import ModelVersion
from nba.errors import NotFound
from nba.storage._json import freeze
from nba.storage.tables import ModelVersionRow


def add_model_version(
    session: Session,
    policy: str,
    params: Mapping[str, object],
    data: bytes,
    watermark: datetime | None,
    metrics: Mapping[str, float] | None = None,
    activate: bool = True,
    version: int | None = None,
) -> ModelVersion:
    """Store a policy state as version `version` (default max+1); `activate` makes it the only
    active one.

    Two trainers adding the same number at the same moment on PostgreSQL collide: one gets
    sqlalchemy's IntegrityError (SQLite serialises them).
    """
    if version is None:
        version = next_model_version(session)
    if activate:
        _deactivate_all(session)
    row = ModelVersionRow(
        version=version,
        policy=policy,
        params=dict(params),
        data=data,
        watermark=watermark,
        created_at=utc_now(),
        metrics={k: float(v) for k, v in (metrics or {}).items()},
        is_active=activate,
    )
    session.add(row)
    session.flush()
    return _to_model_version(row)


def next_model_version(session: Session) -> int:
    """The number the next stored version gets unless one is added meanwhile: max+1."""
    latest = session.exec(select(sa.func.max(ModelVersionRow.version))).one()
    return (latest or 0) + 1


def get_model_version(session: Session, version: int) -> ModelVersion | None:
    """One model version with its bytes, or None."""
    row = session.get(ModelVersionRow, version)
    return None if row is None else _to_model_version(row)


def active_model_version(session: Session) -> ModelVersion | None:
    """The active model version with its bytes, or None if none is active."""
    query = (
        select(ModelVersionRow)
        .where(col(ModelVersionRow.is_active).is_(True))
        .order_by(col(ModelVersionRow.version).desc())
        .limit(1)
    )
    row = session.exec(query).first()
    return None if row is None else _to_model_version(row)


def latest_model_version(session: Session) -> ModelVersion | None:
    """The newest model version with its bytes, or None if there is none."""
    query = select(ModelVersionRow).order_by(col(ModelVersionRow.version).desc()).limit(1)
    row = session.exec(query).first()
    return None if row is None else _to_model_version(row)


def active_model_metadata(session: Session) -> ModelVersion | None:
    """The active model version with `data=b""` (its bytes are not loaded), or None."""
    table = sa.inspect(ModelVersionRow).local_table
    columns = [c for c in table.c if c.name != "data"]
    query = (
        select(*columns)
        .where(col(ModelVersionRow.is_active).is_(True))
        .order_by(col(ModelVersionRow.version).desc())
        .limit(1)
    )
    row = session.exec(query).first()
    if row is None:
        return None
    return _to_model_version(ModelVersionRow.model_construct(**row._mapping, data=b""))


def list_model_versions(session: Session) -> list[ModelVersion]:
    """Every model version, newest first, with `data=b""`: the bytes are not loaded."""
    table = sa.inspect(ModelVersionRow).local_table
    columns = [c for c in table.c if c.name != "data"]
    query = select(*columns).order_by(col(ModelVersionRow.version).desc())
    return [
        _to_model_version(ModelVersionRow.model_construct(**row._mapping, data=b""))
        for row in session.exec(query)
    ]


def activate_model_version(session: Session, version: int) -> ModelVersion:
    """Make this version the only active one (a rollback is activating an older one)."""
    row = _require(session, version)
    _deactivate_all(session)
    row.is_active = True
    session.add(row)
    session.flush()
    return _to_model_version(row)


def set_pinned(session: Session, version: int, pinned: bool) -> ModelVersion:
    """Pin a version (kept by any pruning) or unpin it; NotFound if missing."""
    row = _require(session, version)
    row.is_pinned = pinned
    session.add(row)
    session.flush()
    return _to_model_version(row)


def _require(session: Session, version: int) -> ModelVersionRow:
    row = session.get(ModelVersionRow, version)
    if row is None:
        raise NotFound("model version", str(version))
    return row


def _deactivate_all(session: Session) -> None:
    session.exec(
        update(ModelVersionRow)
        .where(col(ModelVersionRow.is_active).is_(True))
        .values(is_active=False)
        .execution_options(synchronize_session="fetch")
    )


def _to_model_version(row: ModelVersionRow) -> ModelVersion:
    return ModelVersion(
        version=row.version,
        policy=row.policy,
        params=tuple((k, freeze(v)) for k, v in row.params.items()),
        data=bytes(row.data),
        watermark=row.watermark,
        created_at=row.created_at,
        metrics=tuple((k, float(v)) for k, v in row.metrics.items()),
        is_active=row.is_active,
        is_pinned=row.is_pinned,
    )
