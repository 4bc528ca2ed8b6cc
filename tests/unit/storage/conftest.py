"""The `db` fixture: a migrated, empty database per test on SQLite and, if it answers, PostgreSQL.

PostgreSQL is used when NBA_TEST_DATABASE_URL is set and the server answers; each test gets
its own schema (dropped afterwards), so tests never see each other's rows.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from nba.storage import Database


@functools.cache
def _postgres_url() -> str | None:
    url = os.environ.get("NBA_TEST_DATABASE_URL")
    if not url:
        return None
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of the parametrised kind."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'nba.db'}")
        database.upgrade()
        yield database
        database.dispose()
        return
    yield from _postgres_database()


def _postgres_database() -> Iterator[Database]:
    base = _postgres_url()
    if base is None:
        pytest.skip("NBA_TEST_DATABASE_URL is unset or does not answer")
    schema = f"nba_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    database = Database(url.render_as_string(hide_password=False))
    try:
        database.upgrade()
        yield database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
