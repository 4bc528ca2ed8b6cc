"""API keys: generated secrets, of which only a keyed hash is stored.

A secret is stored as HMAC-SHA256 keyed with the installation's own random secret (kept in
the `state` table, made on first use), so a copied table cannot be checked against guesses
without that secret too, and the same bootstrap secret hashes differently on every
installation. Keys stored before migration 0005 keep their bare SHA-256 hash (`hash_scheme`
"sha256") and stay valid; `ensure_api_key` rehashes a known bootstrap key the keyed way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from nba.clock import utc_now
from nba.domain import KEY_ROLES, ApiKey
from nba.errors import InvalidInput, NotFound
from nba.storage.tables import ApiKeyRow, StateRow

SECRET_PREFIX = "nba_"
HMAC_SCHEME = "hmac-sha256"
LEGACY_SCHEME = "sha256"
_HASH_KEY_STATE = "api_key_hash_secret"


def add_api_key(
    session: Session, role: str, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Create a key for `role`; returns its record and the secret, which is shown only once."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    return _insert(session, secret, role, name, expires_at), secret


def ensure_api_key(session: Session, secret: str, role: str, name: str) -> tuple[ApiKey, bool]:
    """Register a given secret (e.g. NBA_BOOTSTRAP_ADMIN_KEY) unless it is already known.

    Returns the record and whether it was added now. A known secret's record is returned
    unchanged, even if revoked (a revoked bootstrap key stays revoked), except that a bare
    SHA-256 hash is replaced by the keyed one. Several workers starting at once may all call
    it; one inserts.
    """
    row = _row_for(session, secret, _hash_key(session))
    if row is not None:
        if row.hash_scheme != HMAC_SCHEME:
            row.key_hash, row.hash_scheme = _keyed(_hash_key(session), secret), HMAC_SCHEME
            session.add(row)
            session.flush()
        return _to_api_key(row), False
    try:
        with session.begin_nested():
            return _insert(session, secret, role, name, None), True
    except IntegrityError:
        row = _row_for(session, secret, _hash_key(session))
        if row is None:
            raise
        return _to_api_key(row), False


def find_api_key(session: Session, secret: str) -> ApiKey | None:
    """The unrevoked key with this secret (expired or not: the caller says which), or None.

    Reads only, so it works in a read-only session.
    """
    row = _row_for(session, secret, _stored_hash_key(session))
    return None if row is None or row.is_revoked else _to_api_key(row)


def get_api_key(session: Session, key_id: str) -> ApiKey | None:
    """A key's record by id, revoked or not, or None."""
    row = session.get(ApiKeyRow, key_id)
    return None if row is None else _to_api_key(row)


def revoke_api_key(session: Session, key_id: str) -> ApiKey:
    """Revoke a key by id (again: unchanged); the record after. NotFound if there is none."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound("api key", key_id)
    row.is_revoked = True
    session.add(row)
    session.flush()
    return _to_api_key(row)


def list_api_keys(session: Session) -> list[ApiKey]:
    """Every key record (never a secret), oldest first."""
    query = select(ApiKeyRow).order_by(col(ApiKeyRow.created_at), col(ApiKeyRow.id))
    return [_to_api_key(row) for row in session.exec(query)]


def derived_secret(session: Session, purpose: str) -> bytes:
    """A secret of this installation for `purpose` (e.g. signing console cookies).

    Derived from the installation's HMAC key, so every process and host of one database
    derives the same one, and it is never stored itself.
    """
    return hmac.new(_hash_key(session), purpose.encode(), hashlib.sha256).digest()


def _row_for(session: Session, secret: str, hash_key: bytes | None) -> ApiKeyRow | None:
    expected = {LEGACY_SCHEME: _bare(secret)}
    if hash_key is not None:
        expected[HMAC_SCHEME] = _keyed(hash_key, secret)
    query = select(ApiKeyRow).where(col(ApiKeyRow.key_hash).in_(list(expected.values())))
    for row in session.exec(query):
        wanted = expected.get(row.hash_scheme)
        if wanted is not None and hmac.compare_digest(row.key_hash, wanted):
            return row
    return None


def _bare(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _keyed(hash_key: bytes, secret: str) -> str:
    # The lookup stays one index probe: the hash is deterministic per installation.
    return hmac.new(hash_key, secret.encode(), hashlib.sha256).hexdigest()


def _stored_hash_key(session: Session) -> bytes | None:
    row = session.get(StateRow, _HASH_KEY_STATE)
    return None if row is None else bytes.fromhex(str(row.value["secret"]))


def _hash_key(session: Session) -> bytes:
    """The installation's HMAC key, made (once, whichever process is first) if there is none."""
    found = _stored_hash_key(session)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            value = {"secret": secrets.token_hex(32)}
            session.add(StateRow(name=_HASH_KEY_STATE, value=value, updated_at=utc_now()))
    except IntegrityError:
        pass
    stored = _stored_hash_key(session)
    if stored is None:
        raise RuntimeError("the API key hash secret could not be stored")
    return stored


def _insert(
    session: Session, secret: str, role: str, name: str, expires_at: datetime | None
) -> ApiKey:
    if role not in KEY_ROLES:
        raise InvalidInput("role", f"must be one of {list(KEY_ROLES)}, got {role!r}")
    row = ApiKeyRow(
        id=secrets.token_hex(8),
        key_hash=_keyed(_hash_key(session), secret),
        hash_scheme=HMAC_SCHEME,
        role=role,
        name=name,
        created_at=utc_now(),
        expires_at=expires_at,
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
        expires_at=row.expires_at,
    )
