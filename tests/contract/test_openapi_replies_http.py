"""The check that holds every contract-test reply against /openapi.json reports what it must."""

from __future__ import annotations

import json

import pytest

from tests.contract.openapi_check import reply_problems
from tests.databases import SQLITE_ONLY

pytestmark = SQLITE_ONLY


@pytest.fixture
def document(client) -> dict:
    return client.get("/openapi.json").json


def _reply(app, body: object, status: int = 200, mimetype: str = "application/json"):
    return app.response_class(json.dumps(body), status=status, mimetype=mimetype)


def test_a_documented_reply_has_no_problem(app, document):
    reply = _reply(app, {"status": "ok", "checks": {}})
    assert reply_problems(document, "GET", "/healthz", reply) == []


def test_a_reply_of_the_wrong_type_is_reported_naming_the_field(app, document):
    reply = _reply(app, {"status": 1, "checks": {}})
    assert reply_problems(document, "GET", "/healthz", reply) == [
        "GET /healthz -> 200: status: 1 is not of type 'string'"
    ]


def test_a_reply_with_a_key_the_schema_lacks_is_reported(app, document):
    body = {"decision_id": "d", "accepted": True, "value": None, "ts": "2026-01-01T00:00:00+00:00",
            "source": "reported", "reward": 1.0, "occurred_at": None, "offer_id": "loyalty",
            "reason": "loyalty accepted: reward 1", "repeated": False, "surprise": 1}  # fmt: skip
    [problem] = reply_problems(document, "POST", "/v1/decisions/<decision_id>/outcome",
                               _reply(app, body))  # fmt: skip
    assert "'surprise' was unexpected" in problem


def test_an_undocumented_status_or_media_type_is_reported(app, document):
    assert reply_problems(document, "GET", "/healthz", _reply(app, {}, status=201)) == [
        "GET /healthz -> 201: the status is not documented"
    ]
    csv = _reply(app, "a,b", mimetype="text/csv")
    assert "text/csv is not documented" in reply_problems(document, "GET", "/healthz", csv)[0]
