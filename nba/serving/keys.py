"""API keys: create (with an optional expiry), authenticate (with a short cache), revoke.

Creating and revoking a key adds an audit entry (entity "key") in the same transaction.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from nba.clock import utc_now
from nba.domain import KEY_ROLES, Actor, ApiKey
from nba.errors import InvalidInput
from nba.schemas import key_info
from nba.storage import Database, audit, keys

REVOCATION_DELAY_S = 0.5
"""How long a process may keep accepting a key another process revoked (the cache's life)."""


class KeyRing:
    """Looks API keys up by their hash; remembers answers for `ttl_s` seconds.

    A revoked key therefore stops working in every process within `ttl_s` (and at once in the
    process that revoked it), a new key within the same time. At the default, one lookup per
    key and process every half second keeps authentication off the decision's hot path.
    """

    def __init__(self, database: Database, ttl_s: float = REVOCATION_DELAY_S) -> None:
        self._database = database
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._by_id: dict[str, tuple[float, ApiKey | None]] = {}
        self._lock = threading.Lock()

    def create(
        self,
        role: str,
        name: str = "",
        *,
        expires_at: datetime | None = None,
        actor: Actor = Actor.system(),
    ) -> tuple[ApiKey, str]:
        """A new key for `role`, valid until `expires_at` (a future time) if given; returns
        its record and the secret (shown once)."""
        _check_role(role)
        if expires_at is not None and expires_at <= utc_now():
            raise InvalidInput("expires_at", f"must be in the future, got {expires_at}")
        with self._database.session() as session:
            key, secret = keys.add_api_key(session, role, name, expires_at)
            audit.record_change(session, actor, "key", key.id, "create", after=key_info(key))
        return key, secret

    def ensure(self, secret: str, role: str, name: str) -> ApiKey:
        """Register a given secret (e.g. NBA_BOOTSTRAP_ADMIN_KEY) if it is not known yet."""
        _check_role(role)
        if len(secret) < 16:
            raise InvalidInput("bootstrap_admin_key", "must be at least 16 characters")
        with self._database.session() as session:
            key, added = keys.ensure_api_key(session, secret, role, name)
            if added:
                after = key_info(key)
                audit.record_change(session, Actor.system(), "key", key.id, "create", after=after)
        return key

    def authenticate(self, secret: str) -> ApiKey | None:
        """The key record for a presented secret, or None."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(secret)
        if hit is not None and now - hit[0] < self._ttl_s:
            return hit[1]
        with self._database.session(readonly=True) as session:
            found = keys.find_api_key(session, secret)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[secret] = (now, found)
        return found

    def valid_by_id(self, key_id: str) -> ApiKey | None:
        """The key `key_id` if it still works (not revoked, not expired), else None.

        For a console session, which remembers the key's id, never its secret; cached like
        `authenticate`, so a revocation ends the session within `ttl_s` in every process.
        """
        now = time.monotonic()
        with self._lock:
            hit = self._by_id.get(key_id)
        if hit is None or now - hit[0] >= self._ttl_s:
            with self._database.session(readonly=True) as session:
                found = keys.get_api_key(session, key_id)
            hit = (now, found)
            with self._lock:
                if len(self._by_id) > 10_000:
                    self._by_id.clear()
                self._by_id[key_id] = hit
        key = hit[1]
        if key is None or key.is_revoked or key.has_expired(utc_now()):
            return None
        return key

    def session_secret(self) -> bytes:
        """The secret that signs console session cookies: the same in every process."""
        with self._database.session() as session:
            return keys.derived_secret(session, "console-session")

    def revoke(
        self,
        key_id: str,
        *,
        actor: Actor = Actor.system(),
    ) -> ApiKey:
        """Revoke a key by id (NotFound if there is none); its record after."""
        with self._database.session() as session:
            before = keys.get_api_key(session, key_id)
            revoked = keys.revoke_api_key(session, key_id)
            if before is not None and not before.is_revoked:
                audit.record_change(
                    session, actor, "key", key_id, "revoke",
                    before=key_info(before), after=key_info(revoked),
                )  # fmt: skip
        with self._lock:
            self._cache.clear()
            self._by_id.clear()
        return revoked

    def list(self) -> list[ApiKey]:
        """Every key's record (never the secrets)."""
        with self._database.session(readonly=True) as session:
            return keys.list_api_keys(session)


def _check_role(role: str) -> None:
    if role not in KEY_ROLES:
        raise InvalidInput("role", f"must be one of {', '.join(KEY_ROLES)}, got {role!r}")
