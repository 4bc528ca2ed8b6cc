"""Requests per API key, limited by role: 429 `rate_limited` with Retry-After over the limit.

These tests use plain test clients: the checked `client` of this folder holds every reply to
/openapi.json, which documents 429 once api/openapi.py lists it (issue 12).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from nba.config import Settings
from nba.runtime import Runtime, build_runtime

REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Three requests a minute for a crm key, no limit for a marketer's."""
    return Settings(database_url=db_url, data_dir=tmp_path, seed=7, save_interval_s=3600,
                    rate_limit_crm="3/minute", rate_limit_marketer="")  # fmt: skip


@pytest.fixture
def plain(app: Flask) -> FlaskClient:
    return app.test_client()


def _offers(client: FlaskClient, secret: str, times: int) -> list[int]:
    auth = {"Authorization": f"Bearer {secret}"}
    return [client.get("/v1/offers", headers=auth).status_code for _ in range(times)]


def test_a_key_over_its_roles_limit_gets_429_rate_limited_with_retry_after(plain, runtime):
    _, secret = runtime.keys.create("crm", "busy")
    assert _offers(plain, secret, 3) == [200, 200, 200]
    reply = plain.get("/v1/offers", headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 429
    assert reply.json["error"]["code"] == "rate_limited"
    assert 1 <= int(reply.headers["Retry-After"]) <= 60
    assert reply.json["error"]["details"]["retry_after_s"] == int(reply.headers["Retry-After"])


def test_the_limit_counts_per_key_so_another_key_of_the_role_still_passes(plain, runtime):
    _, busy = runtime.keys.create("crm", "busy")
    _, other = runtime.keys.create("crm", "other")
    assert _offers(plain, busy, 4)[-1] == 429
    assert _offers(plain, other, 3) == [200, 200, 200]


def test_a_role_whose_limit_is_empty_is_not_limited(plain, runtime):
    _, secret = runtime.keys.create("marketer", "no limit")
    assert set(_offers(plain, secret, 10)) == {200}


def test_requests_without_a_valid_key_are_refused_not_limited(plain):
    auth = {"Authorization": "Bearer nba_not_a_real_key"}
    assert {plain.get("/v1/offers", headers=auth).status_code for _ in range(5)} == {401}


@pytest.fixture
def two_apps(settings: Settings, request: pytest.FixtureRequest) -> Iterator[tuple[Flask, Flask]]:
    """Two apps on two runtimes over one database, counting in `request.param` storage."""
    shared = settings.model_copy(update={"rate_limit_storage": request.param})
    runtimes: list[Runtime] = [build_runtime(shared), build_runtime(shared)]
    yield (
        create_app(runtime=runtimes[0], start_jobs=False),
        create_app(runtime=runtimes[1], start_jobs=False),
    )
    for built in runtimes:
        built.close()


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.parametrize("two_apps", [REDIS_URL], indirect=True)
def test_two_apps_over_redis_count_one_keys_requests_together(two_apps):
    if not _redis_answers():
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    first, second = (app.test_client() for app in two_apps)
    _, secret = two_apps[0].extensions["nba"].keys.create("crm", "two hosts")
    assert _offers(first, secret, 2) + _offers(second, secret, 1) == [200, 200, 200]
    assert _offers(second, secret, 1) == [429]
    assert _offers(first, secret, 1) == [429]


@pytest.mark.parametrize("two_apps", ["memory://"], indirect=True)
def test_two_apps_in_memory_count_apart(two_apps):
    first, second = (app.test_client() for app in two_apps)
    _, secret = two_apps[0].extensions["nba"].keys.create("crm", "two hosts")
    assert _offers(first, secret, 3) == [200, 200, 200]
    assert _offers(second, secret, 3) == [200, 200, 200]


def test_counting_in_process_starts_no_thread_per_request(settings):
    """limits' MemoryStorage would start an expiry thread 10 ms after each hit."""
    import threading

    from limits.storage import MemoryStorage

    from api.limits import RateLimits

    limits = RateLimits(settings.serving)
    storage = limits._storage
    assert isinstance(storage, MemoryStorage)
    storage.timer.join()  # the one timer MemoryStorage starts when it is made
    before = threading.active_count()
    item = limits._by_role["crm"][0]
    hits = [limits._shared.hit(item, "nba", "key-1") for _ in range(5)]
    assert hits == [True, True, True, False, False]
    assert threading.active_count() == before
    assert not storage.timer.is_alive()
