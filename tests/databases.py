"""Test databases: a SQLite file per test, and PostgreSQL (a database or a schema per test)
when it answers.

Migrating an empty database to head takes ~0.2 s on SQLite and ~0.5 s on PostgreSQL, paid by
every test that builds a runtime. So each test process migrates one template per kind once,
and a test that wants a migrated database gets a copy: a file copy on SQLite, `CREATE DATABASE
... TEMPLATE` on PostgreSQL (~0.1 s). Tests of the migrations themselves ask for an empty one.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""A module's `pytestmark` for tests whose subject does not touch storage (authentication,
routing, request ids, the documents): they run on SQLite only. Every storage path they pass
through is tested on both kinds by the storage, service and lifecycle tests."""


@functools.cache
def postgres_url() -> str | None:
    """NBA_TEST_DATABASE_URL if it is set and the server answers, else None."""
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


@contextmanager
def database_url(kind: str, folder: Path, *, migrated: bool = False) -> Iterator[str]:
    """A URL of an empty database of `kind` (with `migrated`, one at the schema's head);
    PostgreSQL cases skip when no server answers."""
    if kind == "sqlite":
        path = folder / "nba.db"
        if migrated:
            shutil.copyfile(_sqlite_template(), path)
        yield f"sqlite:///{path}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip("NBA_TEST_DATABASE_URL is unset or does not answer")
    if migrated:
        with _postgres_copy(base) as url:
            yield url
        return
    schema = f"nba_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@functools.cache
def _sqlite_template() -> Path:
    """A SQLite file migrated to head, once per test process (in rollback-journal mode, so
    the one file holds everything; nba turns WAL on when it opens a copy)."""
    from nba.storage import Database

    path = Path(tempfile.mkdtemp(prefix="nba-template-")) / "template.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    atexit.register(shutil.rmtree, path.parent, True)
    return path


@functools.cache
def _postgres_template(base: str) -> str:
    """The name of a PostgreSQL database migrated to head, once per test process (dropped
    when the process ends)."""
    from nba.storage import Database

    name = f"nba_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database = Database(make_url(base).set(database=name).render_as_string(hide_password=False))
    database.upgrade()
    database.dispose()

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    atexit.register(drop)
    return name


@contextmanager
def _postgres_copy(base: str) -> Iterator[str]:
    """A fresh PostgreSQL database copied from the migrated template, dropped after."""
    template = _postgres_template(base)
    name = f"nba_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
