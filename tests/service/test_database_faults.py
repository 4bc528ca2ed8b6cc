"""Database faults over HTTP: 503 database_unavailable with Retry-After, /readyz says why, recovery.

A full disk is made at the connection (`PRAGMA max_page_count`); a PostgreSQL server that
refuses connections is a TCP relay of our own, closed (the shared server keeps running).
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from api import create_app
from nba.config import Settings
from nba.errors import Unavailable
from nba.runtime import build_runtime
from nba.storage import Database, add_offer
from tests.databases import database_url
from tests.unit.storage.factories import offer

SECRET = "customer-4711-secret"


def _limit_pages(database: Database) -> object:
    """New connections may not grow the file: "database or disk is full" on the next write."""

    def limit(dbapi_connection: object, _record: object) -> None:
        assert isinstance(dbapi_connection, sqlite3.Connection)
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count={pages}")
        cursor.close()

    event.listen(database.engine, "connect", limit)
    database.dispose()
    return limit


def _decide_until_503(client, headers, limit: int = 300):
    for i in range(limit):
        body = {"customer_id": f"{SECRET}-{i}", "churn_score": 0.5, "context": {"note": "x" * 200}}
        reply = client.post("/v1/decisions", json=body, headers=headers)
        if reply.status_code != 200:
            return reply
    raise AssertionError(f"no write failed in {limit} decisions")


def test_a_full_disk_is_a_503_readyz_says_so_and_writes_resume_alone(sqlite_url, tmp_path, caplog):
    runtime = build_runtime(Settings(database_url=sqlite_url, data_dir=tmp_path, seed=7))
    try:
        client = create_app(runtime=runtime, start_jobs=False).test_client()
        _, key = runtime.keys.create("crm", "test")
        crm = {"Authorization": f"Bearer {key}"}
        limit = _limit_pages(runtime.database)
        with caplog.at_level(logging.DEBUG):
            reply = _decide_until_503(client, crm)
            assert reply.status_code == 503
            assert reply.headers["Retry-After"] == "1"
            assert reply.json["error"]["code"] == "database_unavailable"
            assert reply.json["error"]["details"] == {"reason": "disk_full"}
            assert _decide_until_503(client, crm).status_code == 503  # still full
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json["checks"]["database"] == "disk_full"
            _, marketer = runtime.keys.create("marketer", "test")
            offers = client.get("/v1/offers", headers={"Authorization": f"Bearer {marketer}"})
            assert offers.status_code == 200  # reads go on

            event.remove(runtime.database.engine, "connect", limit)  # space again
            body = {"customer_id": "after", "churn_score": 0.5}
            assert client.post("/v1/decisions", json=body, headers=crm).status_code == 200
            assert client.get("/readyz").status_code == 200
        assert SECRET not in caplog.text and "INSERT" not in caplog.text
        warnings = [r for r in caplog.records if "database unavailable" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        runtime.close()
    with runtime.database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    runtime.database.dispose()


def test_a_session_on_a_full_database_raises_unavailable_with_no_sql(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'nba.db'}")
    database.upgrade()
    _limit_pages(database)
    try:
        with pytest.raises(Unavailable) as raised:
            for i in range(200):
                with database.session() as session:
                    add_offer(session, offer(f"{SECRET}_{i}", description="x" * 2000))
        assert raised.value.reason == "disk_full" and SECRET not in str(raised.value)
        assert raised.value.__cause__ is None and raised.value.__suppress_context__
        assert database.health() == "disk_full"
    finally:
        database.dispose()


def test_an_unreachable_postgresql_is_unavailable_and_readyz_says_unreachable():
    database = Database("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2")
    try:
        with pytest.raises(Unavailable) as raised, database.session(readonly=True) as session:
            session.execute(sa.text("SELECT 1"))
        assert raised.value.reason == "unreachable"
        assert database.health() == "unreachable"
    finally:
        database.dispose()


class _Relay:
    """A TCP relay to PostgreSQL on a port of its own; `close()` refuses new connections and
    cuts the open ones, as a server that went away; `open()` listens again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port, self._listener = listener.getsockname()[1], listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        if self._listener is None:
            return
        for sock in [self._listener, *self._sockets]:  # shutdown wakes a blocked accept()
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()
        self._listener = None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass


@contextmanager
def _relayed_postgres(tmp_path: Path) -> Iterator[tuple[str, _Relay]]:
    with database_url("postgresql", tmp_path) as url:
        parsed = make_url(url)
        relay = _Relay(parsed.host or "127.0.0.1", parsed.port or 5432)
        relay.open()
        try:
            yield parsed.set(port=relay.port).render_as_string(hide_password=False), relay
        finally:
            relay.close()


@pytest.mark.postgres
def test_postgresql_refusing_connections_is_a_503_and_the_next_request_recovers(tmp_path):
    with _relayed_postgres(tmp_path) as (url, relay):
        runtime = build_runtime(Settings(database_url=url, data_dir=tmp_path, seed=7))
        try:
            client = create_app(runtime=runtime, start_jobs=False).test_client()
            _, key = runtime.keys.create("crm", "test")
            crm = {"Authorization": f"Bearer {key}"}
            _, marketer_key = runtime.keys.create("marketer", "test")
            marketer = {"Authorization": f"Bearer {marketer_key}"}
            body = {"customer_id": "c1", "churn_score": 0.5}
            assert client.post("/v1/decisions", json=body, headers=crm).status_code == 200
            relay.close()
            for call in (
                lambda: client.post("/v1/decisions", json=body, headers=crm),
                lambda: client.get("/v1/offers", headers=marketer),
            ):
                reply = call()
                assert reply.status_code == 503, reply.text
                assert reply.headers["Retry-After"] == "1"
                assert reply.json["error"]["details"] == {"reason": "unreachable"}
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json["checks"]["database"] == "unreachable"
            relay.open()
            assert client.post("/v1/decisions", json=body, headers=crm).status_code == 200
            assert client.get("/readyz").status_code == 200
        finally:
            runtime.close()
