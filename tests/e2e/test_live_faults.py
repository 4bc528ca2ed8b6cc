"""A live gunicorn service whose SQLite file turns read-only, then writable again.

As an ordinary user `chmod` makes the files read-only; root writes through modes, so as root
the files are made immutable (`chattr +i`, skipped where the file system refuses it).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests

from nba.serving.keys import KeyRing
from nba.storage import Database
from tests.e2e.live import Served
from tests.waiting import wait_until

pytestmark = pytest.mark.slow  # a live gunicorn service

FILES = ("nba.db", "nba.db-wal", "nba.db-shm")


def _lock(folder: Path, locked: bool) -> None:
    paths = [str(folder / name) for name in FILES if (folder / name).exists()]
    if os.geteuid() != 0:
        for path in paths:
            os.chmod(path, 0o444 if locked else 0o644)
        return
    subprocess.run(["chattr", "+i" if locked else "-i", *paths], check=True)


def _can_lock(folder: Path) -> bool:
    if os.geteuid() != 0:
        return True
    probe = folder / "probe"
    probe.touch()
    ok = (
        shutil.which("chattr") is not None
        and subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode == 0
    )
    if ok:
        subprocess.run(["chattr", "-i", str(probe)], check=True)
    probe.unlink()
    return ok


def test_a_read_only_database_is_a_503_not_ready_and_recovers_alone(tmp_path):
    if not _can_lock(tmp_path):
        pytest.skip("cannot make a file immutable here")
    url = f"sqlite:///{tmp_path / 'nba.db'}"
    database = Database(url)
    database.upgrade()
    crm = {"Authorization": f"Bearer {KeyRing(database).create('crm')[1]}"}
    database.dispose()
    service = Served(tmp_path, url, sqlite_checkpoint_s=0.2)
    service.start()
    acknowledged: list[str] = []
    http = requests.Session()

    def decide(i: int) -> requests.Response | None:
        body = {"customer_id": f"c{i}", "churn_score": 0.4}
        try:
            reply = http.post(f"{service.url}/v1/decisions", json=body, headers=crm, timeout=10)
        except requests.RequestException:
            return None  # never acknowledged
        if reply.status_code == 200:
            acknowledged.append(reply.json()["decision_id"])
        return reply

    try:
        for i in range(20):
            assert decide(i).status_code == 200
        time.sleep(1)  # a few checkpoints: WAL pages reach the database file
        _lock(tmp_path, True)
        try:
            refused = wait_until(
                lambda: [r for r in [decide(100)] if r is not None and r.status_code == 503],
                10,
                "a write refused with 503",
            )[0]
            assert refused.headers["Retry-After"] == "1"
            assert refused.json()["error"]["code"] == "database_unavailable"
            ready = requests.get(f"{service.url}/readyz", timeout=5)
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"] == "read_only"
            time.sleep(1)  # the checkpoint job meets the locked file several times
        finally:
            _lock(tmp_path, False)
        wait_until(lambda: (r := decide(200)) is not None and r.status_code == 200, 10,
                   "a write accepted once the file is writable")  # fmt: skip
        for i in range(300, 310):
            assert decide(i).status_code == 200
        assert requests.get(f"{service.url}/readyz", timeout=5).status_code == 200
    finally:
        http.close()
        service.stop()
    log = next(tmp_path.glob("service-*.log")).read_text()
    assert "job wal_checkpoint failed" not in log and "Traceback" not in log
    # a warning once per outage and worker (a worker killed by SIGBUS at the lock: its successor)
    assert 1 <= log.count("database unavailable") <= log.count("Booting worker")
    with sqlite3.connect(tmp_path / "nba.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {row[0] for row in connection.execute("SELECT id FROM decisions")}
    assert set(acknowledged) <= stored and len(acknowledged) >= 31
