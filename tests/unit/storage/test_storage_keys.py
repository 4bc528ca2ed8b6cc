"""API keys: only hashes stored, found by secret, revocable."""

from __future__ import annotations

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
        first = ensure_api_key(session, "bootstrap-secret", "admin", "bootstrap")
    with db.session() as session:
        again = ensure_api_key(session, "bootstrap-secret", "admin", "bootstrap")
        assert again == first
        assert find_api_key(session, "bootstrap-secret") == first
        assert len(list_api_keys(session)) == 1


def test_unknown_role_is_invalid_and_unknown_key_is_not_found(db: Database) -> None:
    with pytest.raises(InvalidInput), db.session() as session:
        add_api_key(session, "root")
    with pytest.raises(NotFound), db.session() as session:
        revoke_api_key(session, "nope")
