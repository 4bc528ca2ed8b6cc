"""`nba serve` logs: JSON lines from gunicorn and nba alike, the access log with request ids."""

from __future__ import annotations

import json

import requests

from tests.e2e.live import Served


def test_nba_serve_logs_json_lines_and_an_access_line_per_request(tmp_path):
    service = Served(tmp_path, f"sqlite:///{tmp_path / 'nba.db'}", access_log="true")
    service.start()
    try:
        reply = requests.get(
            f"{service.url}/healthz", headers={"X-Request-Id": "e2e-1"}, timeout=10
        )
        assert reply.headers["X-Request-Id"] == "e2e-1"
    finally:
        service.stop()
    text = (tmp_path / f"service-{service.port}.log").read_text()
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert {"gunicorn.error", "nba.storage.database"} <= {e["logger"] for e in entries}
    (access,) = [e for e in entries if e["logger"] == "nba.access" and e["path"] == "/healthz"]
    assert access["request_id"] == "e2e-1" and access["status"] == 200
    assert all(line.startswith("{") for line in text.splitlines()[1:])  # after "serving on"
