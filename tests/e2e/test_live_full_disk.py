"""A live gunicorn service whose SQLite file system fills up, then has room again.

A real full disk: the database lives on a small tmpfs mounted for the test (root only; the
test skips where mounting is not allowed). The connection-level simulation of the same fault
is in tests/service/test_database_faults.py.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from nba.serving.keys import KeyRing
from nba.storage import Database
from tests.e2e.live import Served
from tests.waiting import wait_until

pytestmark = pytest.mark.slow  # a live gunicorn service

DISK_MB = 16


@contextlib.contextmanager
def small_disk(mount_point: Path) -> Iterator[Path]:
    """A tmpfs of DISK_MB mounted at `mount_point` for the block (skips if not allowed)."""
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """Fill `disk` to the last byte with one file; its path."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 20, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(descriptor, b"\0" * size)
    finally:
        os.close(descriptor)
    return filler


def test_a_full_disk_is_a_503_not_ready_and_writes_resume_alone(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        url = f"sqlite:///{disk / 'nba.db'}"
        database = Database(url)
        database.upgrade()
        crm = {"Authorization": f"Bearer {KeyRing(database).create('crm')[1]}"}
        database.dispose()
        service = Served(tmp_path, url, sqlite_checkpoint_s=0.2)  # logs stay off the full disk
        service.start()
        acknowledged: list[str] = []
        http = requests.Session()

        def decide(i: int) -> requests.Response | None:
            body = {"customer_id": f"c{i}", "churn_score": 0.4, "context": {"note": "x" * 500}}
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
            filler = fill(disk)
            refused = wait_until(
                lambda: [r for r in [decide(100)] if r is not None and r.status_code == 503],
                20,
                "a write refused with 503 on the full disk",
            )[0]
            assert refused.json()["error"]["code"] == "database_unavailable"
            assert refused.json()["error"]["details"] == {"reason": "disk_full"}
            assert refused.headers["Retry-After"]
            ready = requests.get(f"{service.url}/readyz", timeout=5)
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"] == "disk_full"
            for i in range(101, 120):  # more attempts while full: each refused, none half-kept
                reply = decide(i)
                assert reply is None or reply.status_code in (200, 503)
            filler.unlink()
            wait_until(lambda: (r := decide(200)) is not None and r.status_code == 200, 10,
                       "a write accepted once the disk has room")  # fmt: skip
            for i in range(300, 310):
                assert decide(i).status_code == 200
            assert requests.get(f"{service.url}/readyz", timeout=5).status_code == 200
        finally:
            http.close()
            service.stop()
        log = next(tmp_path.glob("service-*.log")).read_text()
        assert "Traceback" not in log
        with sqlite3.connect(disk / "nba.db") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            stored = {row[0] for row in connection.execute("SELECT id FROM decisions")}
        assert set(acknowledged) <= stored and len(acknowledged) >= 31
