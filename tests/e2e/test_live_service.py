"""End to end against a real gunicorn service: decisions, outcomes, stop, kill -9, restart."""

from __future__ import annotations

import threading

import pytest
import requests

from nba.domain import FeedbackKind
from nba.serving.keys import KeyRing
from nba.storage import Database, count_decisions, count_feedback, list_model_versions
from tests.e2e.live import Served
from tests.waiting import wait_until

pytestmark = pytest.mark.slow  # a live gunicorn service, stopped, killed and restarted

OFFER = {"id": "discount_10", "name": "10% off", "category": "discount", "cost": 5,
         "features": {"discount_pct": 10}}  # fmt: skip


@pytest.fixture
def service(tmp_path):
    url = f"sqlite:///{tmp_path / 'nba.db'}"
    live = Served(tmp_path, url)
    database = Database(url)
    database.upgrade()
    keys = KeyRing(database)
    live.crm = {"Authorization": f"Bearer {keys.create('crm')[1]}"}
    live.marketer = {"Authorization": f"Bearer {keys.create('marketer')[1]}"}
    live.database = database
    live.start()
    yield live
    if live.process and live.process.poll() is None:
        live.kill()
    database.dispose()


def _decide_and_report(service, n: int, start: int = 0) -> list[str]:
    ids = []
    with requests.Session() as http:
        for i in range(start, start + n):
            body = {"customer_id": f"c{i}", "churn_score": (i % 10) / 10, "context": {"i": i}}
            decision = http.post(f"{service.url}/v1/decisions", json=body, headers=service.crm)
            assert decision.status_code == 200
            decision_id = decision.json()["decision_id"]
            outcome = http.post(f"{service.url}/v1/decisions/{decision_id}/outcome",
                                json={"accepted": i % 3 == 0}, headers=service.crm)  # fmt: skip
            assert outcome.status_code == 200
            ids.append(decision_id)
    return ids


def _counts(database: Database) -> tuple[int, int]:
    with database.session(readonly=True) as session:
        return count_decisions(session), count_feedback(session, FeedbackKind.ACCEPTANCE)


def test_graceful_stop_saves_the_model_and_restart_serves_it(service):
    reply = requests.post(f"{service.url}/v1/offers", json=OFFER, headers=service.marketer)
    assert reply.status_code == 201
    ids = _decide_and_report(service, 30)
    service.stop()
    with service.database.session(readonly=True) as session:
        versions = list_model_versions(session)
    assert len(versions) == 1 and versions[0].is_active
    service.start()
    body = {"customer_id": "after", "churn_score": 0.5}
    decision = requests.post(f"{service.url}/v1/decisions", json=body, headers=service.crm).json()
    assert decision["policy"]["model_version"] == versions[0].version
    logged = requests.get(f"{service.url}/v1/decisions/{ids[0]}", headers=service.crm).json()
    assert logged["outcome"]["accepted"] is True


def test_kill_9_under_load_loses_no_acknowledged_decision_or_outcome(service):
    requests.post(f"{service.url}/v1/offers", json=OFFER, headers=service.marketer)
    acknowledged: list[str] = []
    stop = threading.Event()

    def load() -> None:
        with requests.Session() as http:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    reply = http.post(f"{service.url}/v1/decisions", headers=service.crm,
                                      json={"customer_id": f"k{i}", "churn_score": 0.4},
                                      timeout=5)  # fmt: skip
                    if reply.status_code == 200:
                        acknowledged.append(reply.json()["decision_id"])
                except requests.RequestException:
                    return

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()

    def loaded() -> bool:  # enough acknowledged, or every load thread gave up
        return len(acknowledged) >= 60 or not any(t.is_alive() for t in threads)

    wait_until(loaded, 60, "60 decisions acknowledged under load")
    service.kill()
    stop.set()
    for thread in threads:
        thread.join()
    decisions, _ = _counts(service.database)
    assert decisions >= len(acknowledged) >= 60
    service.start()
    for decision_id in acknowledged[-5:]:
        reply = requests.get(f"{service.url}/v1/decisions/{decision_id}", headers=service.crm)
        assert reply.status_code == 200
