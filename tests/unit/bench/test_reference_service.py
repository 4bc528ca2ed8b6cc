"""The reference service of benchmarks/http_ceiling.py decides and commits; the open-loop
client counts latency from the scheduled send time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from benchmarks.http_ceiling import parse_wrk
from benchmarks.open_loop import due_time, latency_from_schedule
from benchmarks.reference_service import CATALOGUE, VW_ARGS, create_app
from policies.vw import VWPolicy

BODY = {"customer_id": "c1", "churn_score": 0.42, "context": {"plan": "gold x|y", "tenure": 7}}


def test_one_decision_is_valid_and_committed(tmp_path: Path) -> None:
    db = str(tmp_path / "ref.db")
    client = create_app(db, "secret").test_client()
    reply = client.post("/v1/decisions", json=BODY, headers={"Authorization": "Bearer secret"})
    assert reply.status_code == 200
    answer = reply.get_json()
    assert answer["offer_id"] in {offer_id for offer_id, _, _ in CATALOGUE}
    assert 0 < answer["probability"] <= 1
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT id, customer_id, offer_id FROM decisions").fetchall()
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert rows == [(answer["decision_id"], "c1", answer["offer_id"])]


def test_bad_key_and_bad_body_are_refused_and_not_written(tmp_path: Path) -> None:
    db = str(tmp_path / "ref.db")
    client = create_app(db, "secret").test_client()
    assert (
        client.post("/v1/decisions", json=BODY, headers={"Authorization": "Bearer x"}).status_code
        == 401
    )
    bad = {**BODY, "churn_score": 2}
    good_key = {"Authorization": "Bearer secret"}
    assert client.post("/v1/decisions", json=bad, headers=good_key).status_code == 400
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0


def test_latency_counts_from_the_scheduled_time_not_the_send() -> None:
    # Request 30 at 300/s is due 0.1 s after start; sent late and answered at start + 0.35 s,
    # it waited 0.25 s, however short its round trip was.
    assert due_time(100.0, 300.0, 30) == 100.1
    assert abs(latency_from_schedule(100.0, 300.0, 30, ended=100.35) - 0.25) < 1e-9
    assert abs(latency_from_schedule(100.0, 300.0, 0, ended=100.002) - 0.002) < 1e-9


WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:18601
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.10ms    2.01ms  40.00ms   90.00%
  Latency Distribution
     50%  850.00us
     75%    4.00ms
     90%    5.00ms
     99%    1.20s
  7000 requests in 8.00s, 1.50MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    875.25
Transfer/sec:    190.00KB
"""


def test_wrk_output_is_read_with_its_units() -> None:
    figures = parse_wrk(WRK_OUTPUT)
    assert figures == {"rate": 875.25, "p50_ms": 0.85, "p99_ms": 1200.0, "errors": 3}


def test_the_reference_predicts_with_nbas_default_vw_arguments() -> None:
    args = VWPolicy().args()
    seed = args.index("--random_seed")
    assert [*args[:seed], *args[seed + 2 :]] == [
        a for a in VW_ARGS if a != "--quiet" and a not in ("--random_seed", "0")
    ]
