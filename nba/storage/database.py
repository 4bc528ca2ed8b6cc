"""The database handle: one engine and its transactions for one URL, and its migrations."""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from nba.errors import Unavailable
from nba.storage._json import dumps_json
from nba.storage.faults import Gate, Outage, describe, fault_reason, unavailable

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).with_name("migrations")
_BUSY_TIMEOUT_MS = 5000
# Any constant works; it only has to be the same for every process migrating one database.
_MIGRATION_LOCK_ID = 0x6E6261


class Database:
    """Engine + session factory for one database URL.

    SQLite (the embedded default) runs in WAL mode with foreign keys on and a 5 s busy
    timeout on every connection. Its transactions are begun by nba, not by the sqlite3 driver:
    `session()` starts with `BEGIN IMMEDIATE`, so writers queue on the busy timeout instead of
    failing with "database is locked" when a read-then-write transaction meets another
    writer. The threads of one process also take turns through a lock before that BEGIN: a
    waiter wakes the moment the writer before it commits, where SQLite's busy handler would
    poll with sleeps of up to 100 ms. PostgreSQL connections are checked with a pre-ping.

    A database that cannot serve (read-only, full, unreachable) raises `Unavailable` from
    `session()` and `checkpoint()`. Connections opened before it are then replaced at their
    next checkout: one opened while the file was read-only stays read-only, and a new one
    is writable again as soon as the file is. `health()` tells /readyz.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._checkpoints_taken_over = False
        self._sqlite_writer = threading.RLock()
        self.outage = Outage()
        self._gate = Gate()
        self._epoch = 0  # connections opened before the last fault are replaced at checkout
        self._sqlite_file: Path | None = None
        self._sqlite_paths: tuple[str, ...] = ()
        self._inserts: dict[tuple[str, tuple[str, ...]], _PreparedInsert] = {}
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                self._sqlite_file = Path(database).expanduser()
                self._sqlite_file.parent.mkdir(parents=True, exist_ok=True)
                self._sqlite_paths = _sqlite_paths(self._sqlite_file)
            self.engine: sa.Engine = sa.create_engine(
                url, hide_parameters=True, json_serializer=dumps_json
            )
            event.listen(self.engine, "connect", self._sqlite_on_connect)
            event.listen(self.engine, "begin", self._sqlite_on_begin)
        else:
            self.engine = sa.create_engine(
                url, pool_pre_ping=True, hide_parameters=True, json_serializer=dumps_json
            )
        event.listen(self.engine, "connect", self._stamp)
        event.listen(self.engine, "checkout", self._refuse_stale)
        # Sessions that may write begin IMMEDIATE on SQLite; plain connections (ping, reads)
        # begin DEFERRED so that they never wait for the write lock.
        self._write_engine = self.engine.execution_options(nba_sqlite_begin="IMMEDIATE")

    @property
    def is_sqlite(self) -> bool:
        """Whether this database is SQLite (the embedded default)."""
        return self.engine.dialect.name == "sqlite"

    def upgrade(self) -> None:
        """Run the Alembic migrations up to head; running it again changes nothing.

        A database already at head is told by one query, without loading Alembic (which
        costs a command line about half a second).
        """
        if self._is_at_head():
            log.info("database schema at head url=%s", self.engine.url.render_as_string())
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._writer_turn(False), self._write_engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several API workers may start at once; only one migrates at a time.
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        log.info("database schema at head url=%s", self.engine.url.render_as_string())

    def _is_at_head(self) -> bool:
        """Whether the stored Alembic revision is the newest migration's (False if unsure)."""
        head = _head_revision(_MIGRATIONS / "versions")
        if head is None:
            return False
        try:
            with self._in_use(), self.engine.connect() as connection:
                stored = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
                return list(stored.scalars()) == [head]
        except SQLAlchemyError:  # no table yet, or no database: Alembic will say
            return False

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: commits on success, rolls back on an exception, closes always.

        `readonly=True` is for sessions that only read: on SQLite they begin DEFERRED and so
        do not queue behind writers (writing in one may then fail with "database is locked").
        It forbids nothing by itself and changes nothing on PostgreSQL. A database fault
        (read-only, full, unreachable: `faults.fault_reason`) raises `Unavailable`.
        """
        bind = self.engine if readonly else self._write_engine
        fault: Unavailable | None = None
        with (
            self._in_use(),
            self._writer_turn(readonly),
            Session(bind, expire_on_commit=False) as session,
        ):
            try:
                yield session
                session.commit()
            except BaseException as error:
                _rollback(session)
                fault = self._fault_of(error)
                if fault is None:
                    raise
        if fault is not None:
            self._after(fault)
            raise fault from None
        if not readonly:
            self.outage.recovered()

    def insert(self, table: sa.Table, rows: Sequence[Mapping[str, object]]) -> None:
        """Insert `rows` (each with the same columns) into `table` in a transaction of their
        own, committed when this returns.

        The decision log's write path: one INSERT compiled once per table and set of columns,
        run on the driver's connection (no ORM session, no statement built per call), with the
        guards of `session()`: SQLite's writer turn, BEGIN IMMEDIATE and writability check; a
        database fault raises `Unavailable`; other driver errors are SQLAlchemy's exceptions
        (IntegrityError for a duplicate key), as from `session()`.
        """
        if not rows:
            return
        prepared = self._prepared(table, tuple(rows[0]))
        params = [prepared.params(row) for row in rows]
        fault: Unavailable | None = None
        with self._in_use(), self._writer_turn(False):
            try:
                self._run_insert(prepared, params)
            except BaseException as error:
                fault = self._fault_of(error)
                if fault is None:
                    raise
        if fault is not None:
            self._after(fault)
            raise fault from None
        self.outage.recovered()

    def _prepared(self, table: sa.Table, columns: tuple[str, ...]) -> _PreparedInsert:
        key = (table.name, columns)
        prepared = self._inserts.get(key)
        if prepared is None:
            prepared = self._inserts[key] = _PreparedInsert.of(table, columns, self.engine.dialect)
        return prepared

    def _run_insert(self, prepared: _PreparedInsert, params: Sequence[_Params]) -> None:
        """The insert on a pooled driver connection; a driver error (also in connecting) is
        raised as SQLAlchemy's, the connection invalidated when it was lost."""
        dialect = self.engine.dialect
        driver_error = dialect.loaded_dbapi.Error
        try:
            connection = self.engine.raw_connection()
        except driver_error as error:
            raise sa.exc.DBAPIError.instance(
                None, None, error, driver_error, hide_parameters=True, dialect=dialect
            ) from error
        cursor = None
        try:
            # As `_sqlite_on_begin`: a connection that mapped -shm writable must not write
            # once the files are immutable (SIGBUS).
            opened_writable = self.is_sqlite and connection.info.get("nba_writable", False)
            if opened_writable and not self._files_writable():
                self.outage.record("read_only", "the database files are not writable")
                raise unavailable("read_only")
            cursor = connection.cursor()
            if self.is_sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            if len(params) == 1:
                cursor.execute(prepared.sql, params[0])
            else:
                # One statement's rows are all positional or all named, as the driver wants.
                cursor.executemany(prepared.sql, params)  # type: ignore[arg-type]
            connection.commit()
        except driver_error as error:
            _quiet_rollback(connection)
            lost = dialect.is_disconnect(error, connection.dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise sa.exc.DBAPIError.instance(
                prepared.sql,
                None,
                error,
                driver_error,
                hide_parameters=True,
                connection_invalidated=lost,
                dialect=dialect,
            ) from error
        except BaseException:
            _quiet_rollback(connection)
            raise
        finally:
            if cursor is not None:
                with _suppress_driver_errors(dialect):
                    cursor.close()
            connection.close()

    def _files_writable(self) -> bool:
        return _writable_paths(self._sqlite_paths)

    def _in_use(self) -> AbstractContextManager[object]:
        return self._gate.use() if self._sqlite_file is not None else nullcontext()

    def _check_writable(self) -> None:
        """SQLite: raise `Unavailable` before a checkpoint if the files cannot be written.

        A checkpoint must not touch a -shm file made immutable: SQLite has it memory-mapped
        and the kernel kills the process with SIGBUS at the first store into it. The pool is
        kept: closing its connections could checkpoint, which writes to that file too. (A
        transaction in flight at the moment the file turns immutable can still meet SIGBUS:
        gunicorn replaces the worker, and its client, never acknowledged, may retry.)
        """
        if self._sqlite_file is not None and not _writable(self._sqlite_file):
            self.outage.record("read_only", "the database file or its folder is not writable")
            raise unavailable("read_only")

    def _fault_of(self, error: BaseException) -> Unavailable | None:
        """The `Unavailable` that `error` means (recorded as an outage), or None."""
        reason = None if isinstance(error, Unavailable) else fault_reason(error)
        if reason is None:
            return None
        if reason != "busy":  # a lock held too long is no outage: the next try may pass
            self.outage.record(reason, describe(error))
        return unavailable(reason)

    def _after(self, fault: Unavailable) -> None:
        """Empty the pool, so that new connections open the database afresh.

        On SQLite whose files are writable again, first let every connection in use finish
        (`Gate`): one of them would keep the read-only mapping alive for the new ones.
        """
        if fault.reason == "busy":
            return
        if self._sqlite_file is None:
            self._epoch += 1
        elif _writable(self._sqlite_file):
            self._epoch += 1
            self._gate.drain(self.engine.dispose)
        # else keep them: closing a connection that mapped -shm writable may checkpoint

    def _stamp(self, _dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        record.info["nba_epoch"] = self._epoch
        record.info["nba_writable"] = self._sqlite_file is not None and _writable(self._sqlite_file)

    def _sqlite_on_begin(self, connection: sa.Connection) -> None:
        # A connection that mapped -shm writable must not store into it once the file is
        # immutable (SIGBUS). One opened since maps it read-only: SQLite refuses by itself.
        opened_writable = connection.connection.info.get("nba_writable", False)
        if opened_writable and self._sqlite_file and not self._files_writable():
            self.outage.record("read_only", "the database files are not writable")
            raise unavailable("read_only")
        _sqlite_on_begin(connection)

    def _refuse_stale(self, _dbapi: object, record: ConnectionPoolEntry, _proxy: object) -> None:
        # The pool's documented way to drop a connection at checkout and open a new one.
        if record.info.get("nba_epoch", self._epoch) < self._epoch:
            raise sa.exc.DisconnectionError("opened before a database fault")

    def _writer_turn(self, readonly: bool) -> AbstractContextManager[object]:
        return nullcontext() if readonly or not self.is_sqlite else self._sqlite_writer

    def take_over_checkpoints(self) -> None:
        """SQLite: stop commits from checkpointing the WAL; call `checkpoint()` regularly instead.

        By default the commit that fills the WAL past 1,000 pages copies it back into the
        database file and syncs it, a pause of several milliseconds inside one request every
        ~150 decisions. A serving process moves that work to a scheduler job. Connections
        opened from now on skip the automatic checkpoint; pooled ones are replaced. Nothing
        changes on PostgreSQL.
        """
        if not self.is_sqlite or self._checkpoints_taken_over:
            return
        self._checkpoints_taken_over = True
        self.engine.dispose()

    def checkpoint(self) -> None:
        """SQLite: copy committed WAL pages into the database file without waiting for anyone.

        PASSIVE mode: readers and writers go on meanwhile, and the sqlite3 driver releases the
        GIL while it runs. Another process's checkpoint in progress makes this one a no-op.
        """
        if not self.is_sqlite:
            return
        self._check_writable()
        fault: Unavailable | None = None
        with self._in_use():
            try:
                connection = self.engine.raw_connection()
                try:
                    cursor = connection.cursor()
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cursor.fetchall()
                    cursor.close()
                finally:
                    connection.close()
            except (SQLAlchemyError, sqlite3.Error) as error:
                fault = self._fault_of(error)
                if fault is None:
                    raise
        if fault is not None:
            self._after(fault)
            raise fault from None
        self.outage.recovered()

    def ping(self) -> bool:
        """Whether the database answers `SELECT 1`."""
        try:
            with self._in_use(), self.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as error:
            log.warning("database ping failed: %s", describe(error))
            return False
        except Unavailable:
            return False
        return True

    def health(self) -> str | None:
        """Why this database cannot serve writes now (for /readyz), or None if it can.

        `unreachable` when `SELECT 1` fails; on SQLite `read_only` when the file, its WAL
        files or its folder cannot be written; else the reason of a fault met in the last
        seconds by a transaction (say `disk_full`), until a write succeeds.
        """
        if self._sqlite_file is not None and not _writable(self._sqlite_file):
            return "read_only"
        if not self.ping():
            return "unreachable"
        return self.outage.reason()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def _sqlite_on_connect(self, dbapi_connection: object, _record: object) -> None:
        _configure_sqlite(dbapi_connection, autocheckpoint=not self._checkpoints_taken_over)


_REVISION = re.compile(r"^revision(?:: str)? = [\"'](\w+)[\"']$", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"^down_revision(?:: [\w |\[\],]+)? = (?:None|[\"'](\w+)[\"'])$", re.MULTILINE
)


@functools.cache
def _head_revision(versions: Path) -> str | None:
    """The one revision no migration in `versions` builds on, read from the files' text.

    None when that is not plain: several heads, a merge (a tuple of down revisions), or a
    migration whose lines the patterns cannot read; `upgrade` then leaves it to Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _rollback(session: Session) -> None:
    try:
        session.rollback()
    except SQLAlchemyError:  # a connection already lost: the transaction is gone with it
        log.debug("rollback failed", exc_info=True)


def _sqlite_paths(database: Path) -> tuple[str, ...]:
    """The SQLite file's folder, the file, its -wal and its -shm."""
    return (str(database.parent), str(database), f"{database}-wal", f"{database}-shm")


def _writable(database: Path) -> bool:
    """Whether this process may write the SQLite file, its -wal and -shm, and its folder."""
    return _writable_paths(_sqlite_paths(database))


def _writable_paths(paths: Sequence[str]) -> bool:
    # One access() per path while all are writable (every transaction checks): existence is
    # asked only of a path that is not.
    return all(os.access(p, os.W_OK) or not os.path.exists(p) for p in paths)


def _quiet_rollback(connection: sa.PoolProxiedConnection) -> None:
    try:
        connection.rollback()
    except Exception:  # a connection already lost: the transaction is gone with it
        log.debug("rollback failed", exc_info=True)


@contextmanager
def _suppress_driver_errors(dialect: sa.Dialect) -> Iterator[None]:
    try:
        yield
    except dialect.loaded_dbapi.Error:
        log.debug("closing a cursor failed", exc_info=True)


_Params = Sequence[object] | Mapping[str, object]
"""One row's parameters for the driver: in order (positional drivers) or by name."""


@dataclass(frozen=True, slots=True)
class _PreparedInsert:
    """An INSERT of some columns of a table, compiled for one dialect, with each column's
    bind processor (what SQLAlchemy applies to a value before the driver gets it)."""

    sql: str
    columns: tuple[str, ...]
    processors: tuple[Callable[[object], object] | None, ...]
    named: bool

    @classmethod
    def of(cls, table: sa.Table, columns: tuple[str, ...], dialect: sa.Dialect) -> _PreparedInsert:
        compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(columns))
        # The compiled statement's parameter order (positional drivers) is that of its columns.
        order = tuple(compiled.positiontup or ()) if dialect.positional else columns
        if set(order) != set(columns):
            raise ValueError(f"cannot prepare an insert of {columns} into {table.name}")
        processors = tuple(
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
        )
        return cls(str(compiled), order, processors, not dialect.positional)

    def params(self, row: Mapping[str, object]) -> _Params:
        """The driver's parameters for one row (every column of the statement, in order)."""
        values = [
            row[name] if process is None else process(row[name])
            for name, process in zip(self.columns, self.processors, strict=True)
        ]
        return dict(zip(self.columns, values, strict=True)) if self.named else values


def _configure_sqlite(dbapi_connection: object, *, autocheckpoint: bool) -> None:
    # Take BEGIN away from the sqlite3 driver (see _sqlite_on_begin) so that SELECTs and DDL
    # run inside the transaction and SAVEPOINTs work.
    if not isinstance(dbapi_connection, sqlite3.Connection):
        raise TypeError(f"expected a sqlite3 connection, got {type(dbapi_connection).__name__}")
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # In WAL mode NORMAL still survives a crash or kill -9 of the process (a committed
    # transaction is in the WAL file); only a power cut may lose the last commits. It saves
    # an fsync per commit, which is most of a decision's latency on SQLite.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    if not autocheckpoint:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_on_begin(connection: sa.Connection) -> None:
    mode = connection.get_execution_options().get("nba_sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")
