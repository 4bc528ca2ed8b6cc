"""Test databases: a SQLite file per test, and PostgreSQL (a schema per test) when it answers."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


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
def database_url(kind: str, folder: Path) -> Iterator[str]:
    """A URL of an empty database of `kind`; PostgreSQL cases skip when no server answers."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'nba.db'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip("NBA_TEST_DATABASE_URL is unset or does not answer")
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
