"""Two `nba serve` hosts over one PostgreSQL, seen over HTTP only: what one host does, the other
sees (offers, keys, decisions, budgets, model versions)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.databases import database_url
from tests.e2e.live import Served
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.postgres]  # two live gunicorn services

ADMIN_KEY = "admin-bootstrap-secret-" + "x" * 16
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
OFFER_CACHE_S = 1.0
WAIT_S = 15  # a bound on each cross-host wait, far above the cache lives (1 s, 0.5 s)


@dataclass
class Hosts:
    a: Served
    b: Served
    crm: dict[str, str]
    analyst: dict[str, str]


def _key(host: Served, role: str) -> tuple[str, dict[str, str]]:
    reply = requests.post(f"{host.url}/v1/keys", json={"role": role, "name": f"{role}-via-a"},
                          headers=ADMIN, timeout=10)  # fmt: skip
    assert reply.status_code == 201, reply.text
    return reply.json()["id"], {"Authorization": f"Bearer {reply.json()['key']}"}


def _offer(host: Served, offer_id: str, **extra: Any) -> None:
    body = {"id": offer_id, "name": offer_id, "category": "discount", "cost": 5,
            "features": {"discount_pct": 10}, **extra}  # fmt: skip
    reply = requests.post(f"{host.url}/v1/offers", json=body, headers=ADMIN, timeout=10)
    assert reply.status_code == 201, reply.text


def _decide(host: Served, headers: dict[str, str], **fields: Any) -> requests.Response:
    body = {"customer_id": f"c-{uuid.uuid4().hex[:8]}", "churn_score": 0.5, **fields}
    return requests.post(f"{host.url}/v1/decisions", json=body, headers=headers, timeout=10)


def _ranked(reply: requests.Response) -> set[str]:
    assert reply.status_code == 200, reply.text
    return {r["offer_id"] for r in reply.json()["ranking"]}


@pytest.fixture(scope="module")
def hosts(tmp_path_factory) -> Iterator[Hosts]:
    folder = tmp_path_factory.mktemp("hosts")
    with database_url("postgresql", folder) as url:
        settings: dict[str, Any] = {"bootstrap_admin_key": ADMIN_KEY, "model_poll_s": 0.5,
                                    "offer_cache_s": OFFER_CACHE_S, "save_interval_s": 3600,
                                    "trainer_enabled": "true"}  # fmt: skip
        a, b = (Served(folder / name, url, **settings) for name in ("a", "b"))
        for host in (a, b):
            host.folder.mkdir()
            host.start()  # one after the other: the first one migrates the schema
        try:
            _offer(a, "base")
            _, crm = _key(a, "crm")
            _, analyst = _key(a, "analyst")
            yield Hosts(a, b, crm, analyst)
        finally:
            for host in (a, b):
                host.stop()


def test_an_offer_created_on_one_host_is_decided_on_by_the_other(hosts):
    _offer(hosts.a, "shared_offer")

    def served_by_b() -> bool:
        return "shared_offer" in _ranked(_decide(hosts.b, hosts.crm))

    wait_until(served_by_b, WAIT_S, "host B ranking the offer created on host A")


def test_a_key_created_on_one_host_works_on_the_other_until_revoked_there(hosts):
    key_id, crm = _key(hosts.a, "crm")
    wait_until(lambda: _decide(hosts.b, crm).status_code == 200, WAIT_S, "host B accepting it")
    reply = requests.delete(f"{hosts.a.url}/v1/keys/{key_id}", headers=ADMIN, timeout=10)
    assert reply.status_code == 200 and reply.json()["is_revoked"] is True
    assert _decide(hosts.a, crm).status_code == 401  # at once where it was revoked
    wait_until(lambda: _decide(hosts.b, crm).status_code == 401, WAIT_S, "host B refusing it")


def test_decisions_of_both_hosts_are_one_log(hosts):
    made = [
        _decide(host, hosts.crm, customer_id=f"log-{i}").json()["decision_id"]
        for i in range(6)
        for host in (hosts.a, hosts.b)
    ]
    for host in (hosts.a, hosts.b):
        for decision_id in made:
            reply = requests.get(f"{host.url}/v1/decisions/{decision_id}", headers=hosts.crm,
                                 timeout=10)  # fmt: skip
            assert reply.status_code == 200 and reply.json()["decision_id"] == decision_id
        export = requests.get(f"{host.url}/v1/exports/decisions", params={"format": "csv"},
                              headers=hosts.analyst, timeout=30)  # fmt: skip
        assert export.status_code == 200, export.text
        ids = [row["decision_id"] for row in csv.DictReader(io.StringIO(export.text))]
        assert len(ids) == len(set(ids))  # each decision once
        assert set(made) <= set(ids)


def test_a_budget_spent_through_both_hosts_stops_the_offer_on_both(hosts):
    """Sequential: each outcome is in before the next decision. Concurrent decisions on two
    hosts against a budget are `tests/e2e/test_live_budget_race.py`."""
    budget = 3
    _offer(hosts.a, "budgeted", caps={"budget_accepts": budget})
    accepted = 0
    for host in (hosts.a, hosts.b, hosts.a):

        def chosen(host: Served = host) -> str | None:
            reply = _decide(host, hosts.crm, offer_ids=["budgeted"])
            ok = reply.status_code == 200 and reply.json()["offer_id"] == "budgeted"
            return reply.json()["decision_id"] if ok else None

        decision_id = wait_until(chosen, WAIT_S, f"{host.url} choosing the budgeted offer")
        outcome = requests.post(f"{host.url}/v1/decisions/{decision_id}/outcome",
                                json={"accepted": True}, headers=hosts.crm, timeout=10)  # fmt: skip
        assert outcome.status_code == 200, outcome.text
        accepted += 1
    assert accepted == budget
    for host in (hosts.a, hosts.b):
        for _ in range(10):
            assert "budgeted" not in _ranked(_decide(host, hosts.crm, offer_ids=["budgeted"]))
            assert "budgeted" not in _ranked(_decide(host, hosts.crm))


def test_a_version_trained_on_one_host_is_listed_and_served_by_the_other(hosts):
    def trained() -> int | None:
        reply = requests.post(f"{hosts.a.url}/v1/models/train", headers=ADMIN, timeout=60)
        assert reply.status_code in (200, 409), reply.text  # 409: B's trainer holds the lease
        return int(reply.json()["version"]) if reply.status_code == 200 else None

    version = wait_until(trained, WAIT_S, "host A training a version")

    def versions(host: Served) -> list[tuple[int, bool]]:
        reply = requests.get(f"{host.url}/v1/models", headers=ADMIN, timeout=10)
        assert reply.status_code == 200, reply.text
        return sorted((m["version"], m["is_active"]) for m in reply.json()["models"])

    assert (version, True) in versions(hosts.a)
    assert versions(hosts.b) == versions(hosts.a)

    def b_serves_it() -> bool:
        reply = _decide(hosts.b, hosts.crm)
        return reply.status_code == 200 and reply.json()["policy"]["model_version"] == version

    wait_until(b_serves_it, WAIT_S, f"host B deciding with version {version}")
