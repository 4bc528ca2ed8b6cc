"""API keys: only keyed hashes stored, found by secret, revocable, with an optional expiry."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from nba.errors import InvalidInput, NotFound
from nba.storage import (
    Database,
    add_api_key,
    ensure_api_key,
    find_api_key,
    list_api_keys,
    revoke_api_key,
)


def test_only_a_hash_of_the_secret_is_stored(db: Database) -> None:
    with db.session() as session:
        key, secret = add_api_key(session, "crm", "contact centre")
    assert secret.startswith("nba_") and len(secret) > 40
    with db.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT * FROM api_keys")).mappings().all()
    assert len(stored) == 1
    assert secret not in {str(v) for v in stored[0].values()}
    assert len(stored[0]["key_hash"]) == 64 and stored[0]["id"] == key.id


def test_a_key_is_found_by_its_secret_only(db: Database) -> None:
    with db.session() as session:
        key, secret = add_api_key(session, "analyst")
        _, other = add_api_key(session, "admin")
    with db.session() as session:
        assert find_api_key(session, secret) == key
        assert find_api_key(session, other).role == "admin"
        assert find_api_key(session, secret + "x") is None


def test_a_revoked_key_is_listed_but_not_found(db: Database) -> None:
    with db.session() as session:
        key, secret = add_api_key(session, "marketer", "web")
        revoke_api_key(session, key.id)
    with db.session() as session:
        assert find_api_key(session, secret) is None
        [listed] = list_api_keys(session)
    assert listed.id == key.id and listed.is_revoked and listed.name == "web"


def test_ensure_api_key_registers_a_given_secret_once(db: Database) -> None:
    with db.session() as session:
        first, added = ensure_api_key(session, "bootstrap-secret", "admin", "bootstrap")
    assert added
    with db.session() as session:
        again = ensure_api_key(session, "bootstrap-secret", "admin", "bootstrap")
        assert again == (first, False)
        assert find_api_key(session, "bootstrap-secret") == first
        assert len(list_api_keys(session)) == 1


def test_unknown_role_is_invalid_and_unknown_key_is_not_found(db: Database) -> None:
    with pytest.raises(InvalidInput), db.session() as session:
        add_api_key(session, "root")
    with pytest.raises(NotFound), db.session() as session:
        revoke_api_key(session, "nope")


def _stored(db: Database) -> list[dict]:
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM api_keys ORDER BY created_at"))
        return [dict(row) for row in rows.mappings()]


def test_a_secret_is_stored_as_a_keyed_hash_not_a_bare_sha256(db: Database) -> None:
    with db.session() as session:
        ensure_api_key(session, "bootstrap-secret-16", "admin", "bootstrap")
        _, secret = add_api_key(session, "crm")
    bare = {hashlib.sha256(s.encode()).hexdigest() for s in ("bootstrap-secret-16", secret)}
    stored = _stored(db)
    assert {row["hash_scheme"] for row in stored} == {"hmac-sha256"}
    assert not bare & {row["key_hash"] for row in stored}


def _legacy_row(db: Database, secret: str, role: str = "admin") -> None:
    # A key as stored before migration 0005: a bare SHA-256 hash.
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO api_keys (id, key_hash, role, name, created_at, is_revoked,"
                " hash_scheme) VALUES ('old', :hash, :role, 'old', :now, false, 'sha256')"
            ),
            {"hash": hashlib.sha256(secret.encode()).hexdigest(), "role": role,
             "now": datetime(2026, 1, 1)},
        )  # fmt: skip


def test_a_key_stored_with_a_bare_sha256_before_the_migration_still_works(db: Database) -> None:
    _legacy_row(db, "an-old-crm-secret", "crm")
    with db.session() as session:
        add_api_key(session, "admin")  # makes the installation's hash key
    with db.session(readonly=True) as session:
        found = find_api_key(session, "an-old-crm-secret")
    assert found is not None and found.id == "old" and found.role == "crm"


def test_ensuring_a_bootstrap_key_stored_with_a_bare_sha256_rehashes_it(db: Database) -> None:
    _legacy_row(db, "the-bootstrap-secret")
    with db.session() as session:
        key, added = ensure_api_key(session, "the-bootstrap-secret", "admin", "bootstrap")
    assert key.id == "old" and not added
    [row] = _stored(db)
    assert row["hash_scheme"] == "hmac-sha256"
    assert row["key_hash"] != hashlib.sha256(b"the-bootstrap-secret").hexdigest()
    with db.session(readonly=True) as session:
        assert find_api_key(session, "the-bootstrap-secret") == key


def test_an_expiry_is_kept_and_an_expired_key_is_still_found(db: Database) -> None:
    when = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with db.session() as session:
        key, secret = add_api_key(session, "crm", expires_at=when)
    with db.session(readonly=True) as session:
        found = find_api_key(session, secret)
    assert found == key and found.expires_at == when
    assert found.has_expired(when) and not found.has_expired(datetime(2026, 3, 1, tzinfo=UTC))
