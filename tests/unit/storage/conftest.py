"""The `db` fixture: a migrated, empty database per test on SQLite and, if it answers, PostgreSQL.

PostgreSQL is used when NBA_TEST_DATABASE_URL is set and the server answers; each test gets
its own schema (dropped afterwards), so tests never see each other's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nba.storage import Database
from tests.databases import KINDS, database_url


@pytest.fixture(params=KINDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of the parametrised kind."""
    with database_url(request.param, tmp_path) as url:
        database = Database(url)
        try:
            database.upgrade()
            yield database
        finally:
            database.dispose()
