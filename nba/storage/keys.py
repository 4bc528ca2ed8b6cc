"""API keys: generated secrets, of which only a SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from nba.clock import utc_now
from nba.domain import ROLES, ApiKey
from nba.errors import InvalidInput, NotFound
from nba.storage.tables import ApiKeyRow

SECRET_PREFIX = "nba_"


def add_api_key(session: Session, role: str, name: str = "") -> tuple[ApiKey, str]:
    """Create a key for `role`; returns its record and the secret, which is shown only once."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    return _insert(session, secret, role, name), secret


def ensure_api_key(session: Session, secret: str, role: str, name: str) -> ApiKey:
    """Register a given secret (e.g. NBA_BOOTSTRAP_ADMIN_KEY) unless it is already known.

    A known secret's record is returned unchanged, even if revoked: a revoked bootstrap key
    stays revoked. Several workers starting at once may all call it; one inserts.
    """
    known = _by_hash(session, secret)
    if known is not None:
        return known
    try:
        with session.begin_nested():
            return _insert(session, secret, role, name)
    except IntegrityError:
        known = _by_hash(session, secret)
        if known is None:
            raise
        return known


def find_api_key(session: Session, secret: str) -> ApiKey | None:
    """The unrevoked key with this secret, or None."""
    query = (
        select(ApiKeyRow)
        .where(ApiKeyRow.key_hash == _hash(secret))
        .where(col(ApiKeyRow.is_revoked).is_(False))
    )
    row = session.exec(query).first()
    return None if row is None else _to_api_key(row)


def revoke_api_key(session: Session, key_id: str) -> None:
    """Revoke a key by id; NotFound if there is no such key."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound("api key", key_id)
    row.is_revoked = True
    session.add(row)
    session.flush()


def list_api_keys(session: Session) -> list[ApiKey]:
    """Every key record (never a secret), oldest first."""
    query = select(ApiKeyRow).order_by(col(ApiKeyRow.created_at), col(ApiKeyRow.id))
    return [_to_api_key(row) for row in session.exec(query)]


def _by_hash(session: Session, secret: str) -> ApiKey | None:
    row = session.exec(select(ApiKeyRow).where(ApiKeyRow.key_hash == _hash(secret))).first()
    return None if row is None else _to_api_key(row)


def _hash(secret: str) -> str:
    # Keys are 256-bit random tokens, so a fast unsalted hash is enough: there is no
    # dictionary to guess from, and the lookup by hash stays one index probe.
    return hashlib.sha256(secret.encode()).hexdigest()


def _insert(session: Session, secret: str, role: str, name: str) -> ApiKey:
    if role not in ROLES:
        raise InvalidInput("role", f"must be one of {list(ROLES)}, got {role!r}")
    row = ApiKeyRow(
        id=secrets.token_hex(8),
        key_hash=_hash(secret),
        role=role,
        name=name,
        created_at=utc_now(),
    )
    session.add(row)
    session.flush()
    return _to_api_key(row)


def _to_api_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        role=row.role,
        name=row.name,
        created_at=row.created_at,
        is_revoked=row.is_revoked,
    )
