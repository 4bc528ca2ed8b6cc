"""X-Request-Id on every reply and every log line of a request; the access log; no data in logs."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from api import create_app
from nba.config import Settings
from nba.logs import RequestIdFilter
from nba.runtime import build_runtime

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def access_client(settings):
    """A client of an app with the access log on."""
    runtime = build_runtime(settings.model_copy(update={"access_log": True}))
    yield create_app(runtime=runtime, start_jobs=False).test_client(), runtime
    runtime.close()


@pytest.fixture
def ids_caplog(caplog):
    """caplog with nba's request-id filter on its handler (what configure_logging installs)."""
    request_filter = RequestIdFilter()
    caplog.handler.addFilter(request_filter)
    caplog.set_level(logging.INFO)
    yield caplog
    caplog.handler.removeFilter(request_filter)


def test_a_safe_request_id_from_the_caller_is_echoed(client):
    reply = client.get("/healthz", headers={"X-Request-Id": "crm-4f2a:77.x_y"})
    assert reply.headers["X-Request-Id"] == "crm-4f2a:77.x_y"


@pytest.mark.parametrize("given", [None, "", "has space", "x" * 129, "<script>", "é"])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client, given):
    headers = {} if given is None else {"X-Request-Id": given}
    reply = client.get("/healthz", headers=headers)
    assert GENERATED.fullmatch(reply.headers["X-Request-Id"])


@pytest.mark.parametrize(
    "method, path, status",
    [("POST", "/v1/decisions", 401), ("GET", "/nowhere", 404), ("PUT", "/healthz", 405)],
)
def test_error_replies_carry_a_request_id(client, method, path, status):
    reply = client.open(path, method=method, headers={"X-Request-Id": "r-1"})
    assert reply.status_code == status and reply.headers["X-Request-Id"] == "r-1"


def test_every_log_line_of_a_request_carries_its_request_id(access_client, ids_caplog):
    client, runtime = access_client
    _, secret = runtime.keys.create("crm", "t")
    body = {"customer_id": "c1", "churn_score": 0.4}
    ids_caplog.clear()
    reply = client.post("/v1/decisions", json=body, headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 200
    request_id = reply.headers["X-Request-Id"]
    assert ids_caplog.records
    assert {r.request_id for r in ids_caplog.records} == {request_id}


def test_the_access_log_has_template_status_duration_and_key_id_but_no_key_or_body(
    access_client, ids_caplog
):
    client, runtime = access_client
    key, secret = runtime.keys.create("crm", "t")
    decided = client.post("/v1/decisions", json={"customer_id": "cust-881", "churn_score": 0.4},
                          headers={"Authorization": f"Bearer {secret}"}).json  # fmt: skip
    ids_caplog.clear()
    headers = {"Authorization": f"Bearer {secret}", "X-Request-Id": "a-1"}
    reply = client.get(f"/v1/decisions/{decided['decision_id']}", headers=headers)
    (line,) = [r for r in ids_caplog.records if r.name == "nba.access"]
    assert (line.method, line.path, line.status) == ("GET", "/v1/decisions/<decision_id>", 200)
    assert line.request_id == "a-1" and line.key_id == key.id and line.duration_ms >= 0
    logged = str(vars(line))
    assert secret not in logged and "cust-881" not in logged
    assert decided["decision_id"] not in logged and reply.status_code == 200


def test_the_access_log_is_off_by_default(client, ids_caplog):
    client.get("/healthz")
    assert not [r for r in ids_caplog.records if r.name == "nba.access"]


def test_a_request_failing_in_the_database_logs_its_id_and_class_but_no_customer_data(
    sqlite_url, tmp_path, ids_caplog
):
    runtime = build_runtime(Settings(database_url=sqlite_url, data_dir=tmp_path, seed=7))
    try:
        with runtime.database.engine.begin() as connection:
            connection.execute(sa.text(
                "CREATE TRIGGER refuse BEFORE INSERT ON decisions "
                "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
            ))  # fmt: skip
        _, secret = runtime.keys.create("crm", "t")
        client = create_app(runtime=runtime, start_jobs=False).test_client()
        body = {"customer_id": "cust-secret-4242", "churn_score": 0.4, "context": {"plan": "p-77"}}
        reply = client.post("/v1/decisions", json=body,
                            headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
    finally:
        runtime.close()
    assert reply.status_code == 500
    request_id = reply.headers["X-Request-Id"]
    assert reply.json["error"]["details"]["request_id"] == request_id
    (error,) = [r for r in ids_caplog.records if r.levelno >= logging.ERROR]
    assert error.request_id == request_id and error.error_class.endswith("IntegrityError")
    assert "refused by a test trigger" in ids_caplog.text  # the traceback is there...
    assert "cust-secret-4242" not in ids_caplog.text and "p-77" not in ids_caplog.text  # ...no data
