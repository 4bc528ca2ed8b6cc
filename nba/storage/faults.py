"""Database faults: which driver errors mean "the database cannot serve now", and the outage.

A read-only or full SQLite file and a PostgreSQL server that refuses connections are not
the caller's fault and not a bug: they become `Unavailable` (503 with Retry-After, exit 8)
at the storage edge. The message names the kind of fault only: never the SQL or its
parameters, which may hold customer data.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from nba.errors import Unavailable

log = logging.getLogger(__name__)

RETRY_AFTER_S = 1
HOLD_S = 5.0
"""After a fault, /readyz says not ready for this long unless a write succeeds meanwhile."""

_MESSAGES = {
    "read_only": "the database is read-only; writes resume once it is writable again",
    "disk_full": "the database or its disk is full",
    "io_error": "the database file cannot be read or written (I/O error)",
    "unreachable": "the database does not answer",
    "busy": "the database is busy; try again",
}
# SQLite result codes (their primary name: SQLITE_READONLY_DBMOVED is SQLITE_READONLY).
_SQLITE_REASONS = {
    "SQLITE_READONLY": "read_only",
    "SQLITE_FULL": "disk_full",
    "SQLITE_IOERR": "io_error",
    "SQLITE_CANTOPEN": "unreachable",
    "SQLITE_BUSY": "busy",
    "SQLITE_LOCKED": "busy",
}
# PostgreSQL SQLSTATEs: class 08 connection exception, 57P01-03 shutdown / cannot connect now,
# 53100 disk full, 53xxx other insufficient resources, 25006 read-only transaction (a standby).
_SQLSTATE_REASONS = {
    "25006": "read_only",
    "53100": "disk_full",
    "57P01": "unreachable",
    "57P02": "unreachable",
    "57P03": "unreachable",
    "57014": "busy",  # a statement timeout or a cancel
    "40P01": "busy",  # deadlock detected: the other transaction went on
}


def unavailable(reason: str) -> Unavailable:
    """The `Unavailable` error of `reason` (one of `_MESSAGES`)."""
    return Unavailable(reason, _MESSAGES[reason], retry_after_s=RETRY_AFTER_S)


def fault_reason(error: BaseException) -> str | None:
    """The kind of database fault `error` is (`read_only`, `disk_full`, ...), or None.

    None means another error (a constraint, a bug): it is not translated. An error raised
    while handling a fault counts as that fault: SQLite rolls a transaction back itself on
    "database or disk is full", and the ROLLBACK TO SAVEPOINT that follows then fails.
    """
    seen: BaseException | None = error
    for _ in range(4):
        if seen is None:
            return None
        reason = _reason_of(seen)
        if reason is not None:
            return reason
        seen = seen.__context__
    return None


def _reason_of(error: BaseException) -> str | None:
    orig = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(orig, sqlite3.Error):
        name = getattr(orig, "sqlite_errorname", "") or ""
        primary = "_".join(name.split("_")[:2])
        return _SQLITE_REASONS.get(primary)
    if not isinstance(error, DBAPIError):
        return None
    sqlstate = str(getattr(orig, "sqlstate", None) or "")
    if sqlstate.startswith("08") or (error.connection_invalidated and not sqlstate):
        return "unreachable"
    if sqlstate in _SQLSTATE_REASONS:
        return _SQLSTATE_REASONS[sqlstate]
    if sqlstate.startswith("53"):
        return "busy"
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all.
    if type(orig).__name__ == "OperationalError" and not sqlstate:
        return "unreachable"
    return None


def describe(error: BaseException) -> str:
    """What the driver said, without SQL or parameters: class, code, first line, 200 chars."""
    orig = error.orig if isinstance(error, DBAPIError) else error
    code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None) or ""
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__} {code} {first[:200]}".replace("  ", " ").strip()


class Outage:
    """The state of one database's availability, shared by the threads of one process.

    `record()` a fault (logged once per outage, as a warning), `recovered()` after a write
    that succeeded (logged once), `reason()` while the last fault is recent.
    """

    def __init__(self, hold_s: float = HOLD_S) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._at = 0.0
        self._hold_s = hold_s

    def record(self, reason: str, detail: str) -> None:
        """A fault of `reason` happened now; `detail` (no SQL, no data) goes in the log."""
        with self._lock:
            starting = self._reason is None
            self._reason, self._at = reason, time.monotonic()
        if starting:
            log.warning(
                "database unavailable reason=%s (%s); replying 503 until it recovers",
                reason,
                detail,
            )

    def recovered(self) -> None:
        """A write succeeded: the outage, if any, is over."""
        if self._reason is None:
            return
        with self._lock:
            reason, self._reason = self._reason, None
        if reason is not None:
            log.warning("database available again after reason=%s", reason)

    def reason(self) -> str | None:
        """The reason of the current outage, if a fault happened in the last `hold_s` s."""
        with self._lock:
            if self._reason is not None and time.monotonic() - self._at < self._hold_s:
                return self._reason
            return None

    @property
    def is_on(self) -> bool:
        """Whether an outage started and no write has succeeded since (however long ago)."""
        return self._reason is not None


DRAIN_S = 2.0
"""The longest a `Gate.drain` waits for connections in use (one nested in another: never)."""


class Gate:
    """The connections in use in this process, and a pause until there are none.

    SQLite shares one -shm mapping among all the connections of a process. Opened while the
    file was read-only, it stays read-only as long as one connection holds it: under steady
    load one always does, and writes would fail until a restart. `drain(action)` lets the
    connections in use finish, holds new ones back meanwhile, then runs `action` (empty the
    pool): the next connection maps the file afresh.
    """

    def __init__(self, drain_s: float = DRAIN_S) -> None:
        self._changed = threading.Condition()
        self._active = 0
        self._draining = False
        self._depth = threading.local()
        self._drain_s = drain_s

    @contextmanager
    def use(self) -> Iterator[None]:
        """Hold a connection during the block (waiting while a drain is under way)."""
        depth = getattr(self._depth, "n", 0)
        with self._changed:
            if depth == 0:  # a thread inside a block already holds one: it must not wait
                self._changed.wait_for(lambda: not self._draining, timeout=self._drain_s)
            self._active += 1
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    def drain(self, action: Callable[[], object]) -> None:
        """Run `action` once no connection is in use (waiting `drain_s` s at most).

        Call it outside `use()`. A drain under way in another thread makes this one a no-op.
        """
        with self._changed:
            if self._draining:
                return
            self._draining = True
            try:
                self._changed.wait_for(lambda: self._active == 0, timeout=self._drain_s)
                action()
            finally:
                self._draining = False
                self._changed.notify_all()
