"""Database: connection settings, migrations, transactions, concurrency."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from nba.storage import Database, add_decision, add_offer, count_decisions, get_offer, list_offers
from nba.storage.tables import metadata

from .factories import decision, offer

TABLES = {"offers", "decisions", "outcomes", "model_versions", "api_keys"}


def _pragma(db: Database, name: str) -> object:
    with db.engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nba.db'}")
    try:
        assert db.is_sqlite
        assert _pragma(db, "journal_mode") == "wal"
        assert _pragma(db, "foreign_keys") == 1
        assert _pragma(db, "busy_timeout") == 5000
    finally:
        db.dispose()


def test_sqlite_database_creates_its_parent_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "nba.db"
    db = Database(f"sqlite:///{path}")
    try:
        db.upgrade()
        assert path.exists()
    finally:
        db.dispose()


def test_upgrade_twice_changes_nothing(db: Database) -> None:
    with db.session() as session:
        add_offer(session, offer())
    db.upgrade()
    with db.engine.connect() as connection:
        assert set(sa.inspect(connection).get_table_names()) >= TABLES
        revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    assert revision == [(_head_revision(),)]
    with db.session() as session:
        assert [o.id for o in list_offers(session)] == ["discount_10"]


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    from nba.storage.database import _MIGRATIONS
    from nba.storage.database import _head_revision as read_head

    assert read_head(_MIGRATIONS / "versions") == _head_revision()


def test_upgrade_migrates_a_database_one_revision_behind(db: Database) -> None:
    from alembic import command
    from alembic.config import Config

    from nba.storage.database import _MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    db.upgrade()
    with db.engine.connect() as connection:
        revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    assert revision == [(_head_revision(),)]
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_migrated_schema_matches_table_metadata(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_ping_is_true_when_the_database_answers(db: Database) -> None:
    assert db.ping()


def test_ping_is_false_when_nothing_listens() -> None:
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2")
    try:
        assert not db.ping()
        assert not db.is_sqlite
    finally:
        db.dispose()


def test_session_commits_when_the_block_succeeds(db: Database) -> None:
    with db.session() as session:
        add_offer(session, offer())
    with db.session(readonly=True) as session:
        assert get_offer(session, "discount_10") is not None


def test_session_rolls_back_every_row_when_the_block_raises(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as session:
        add_offer(session, offer())
        add_decision(session, decision())
        raise RuntimeError("boom")
    with db.session() as session:
        assert list_offers(session) == []
        assert count_decisions(session) == 0


def test_two_threads_writing_decisions_never_find_the_database_locked(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nba.db'}")
    db.upgrade()
    errors: list[BaseException] = []

    def write(customer_id: str) -> None:
        try:
            for _ in range(40):
                with db.session() as session:
                    count_decisions(session)  # read, then write in the same transaction
                    add_decision(session, decision(customer_id=customer_id))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(f"c{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with db.session(readonly=True) as session:
            assert count_decisions(session) == 80
    finally:
        db.dispose()


def test_readonly_session_reads_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nba.db'}")
    db.upgrade()
    seen: list[int] = []
    try:
        with db.session() as writer:
            add_decision(writer, decision())
            reader = threading.Thread(target=lambda: seen.append(_count(db)))
            reader.start()
            reader.join(timeout=2)
            assert seen == [0]
        assert _count(db) == 1
    finally:
        db.dispose()


def test_sqlite_writers_of_one_process_take_turns_before_begin(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nba.db'}")
    db.upgrade()
    inside, most = [0], [0]
    guard = threading.Lock()

    def write() -> None:
        for _ in range(20):
            with db.session() as session:
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                add_decision(session, decision())
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert most[0] == 1  # one writer at a time: the others waited on the lock, not SQLite
        assert _count(db) == 80
    finally:
        db.dispose()


def test_taking_over_checkpoints_leaves_the_copying_to_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "nba.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    try:
        assert _pragma(db, "wal_autocheckpoint") == 1000
        db.take_over_checkpoints()
        assert _pragma(db, "wal_autocheckpoint") == 0
        db.checkpoint()
        before = path.stat().st_size
        for _ in range(300):  # ~2,000 WAL pages: past the automatic checkpoint's 1,000
            with db.session() as session:
                add_decision(session, decision())
        assert path.stat().st_size == before  # every page still only in the WAL
        db.checkpoint()
        assert path.stat().st_size > before  # copied into the database file
        assert _count(db) == 300
    finally:
        db.dispose()


def test_checkpoints_are_sqlite_only(db: Database) -> None:
    db.take_over_checkpoints()
    db.checkpoint()  # a no-op on PostgreSQL, a PASSIVE checkpoint on SQLite
    with db.session() as session:
        add_decision(session, decision())
    assert _count(db) == 1


def _count(db: Database) -> int:
    with db.session(readonly=True) as session:
        return count_decisions(session)


def _head_revision() -> str:
    from pathlib import Path

    from alembic.script import ScriptDirectory

    import nba.storage

    folder = Path(nba.storage.__file__).with_name("migrations")
    return ScriptDirectory(str(folder)).get_current_head()
