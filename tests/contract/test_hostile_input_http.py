"""Inputs a clumsy user or an attacker sends get a 4xx naming the problem, never a 500.

Deep nesting, NUL characters (PostgreSQL refuses them in text), versions beyond what a version
column holds, duplicate keys, chunked bodies over the limit, and the methods OPTIONS advertises.
"""

from __future__ import annotations

import io
import json

import pytest
from flask.testing import FlaskClient

GOOD = {"customer_id": "c-1", "churn_score": 0.5, "context": {"plan": "gold"}}
NEW_OFFER = {"id": "bonus", "name": "Bonus", "category": "data_bonus"}
TOO_BIG = 10**30


def _post_raw(client, url, raw: bytes, headers):
    return client.post(url, data=raw, headers=headers, content_type="application/json")


def test_json_nested_ten_thousand_deep_is_400(client, headers):
    raw = b'{"customer_id": "c", "churn_score": 0.5, "context": {"x": ' + b"[" * 10_000
    raw += b"]" * 10_000 + b"}}"
    reply = _post_raw(client, "/v1/decisions", raw, headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "body"
    assert "nested" in reply.json["error"]["message"]


def test_json_nested_deeper_than_the_limit_is_400_below_the_recursion_limit(client, headers):
    deep: object = 1
    for _ in range(40):  # deeper than MAX_DEPTH, far from Python's recursion limit
        deep = [deep]
    raw = json.dumps({**GOOD, "context": {"x": deep}})
    reply = _post_raw(client, "/v1/decisions", raw.encode(), headers("crm"))
    assert reply.status_code == 400
    assert "nested" in reply.json["error"]["message"]


def test_duplicate_key_is_400_naming_it(client, headers):
    raw = b'{"customer_id": "c-1", "churn_score": 0.5, "customer_id": "c-2"}'
    reply = _post_raw(client, "/v1/decisions", raw, headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["key"] == "customer_id"
    assert "'customer_id'" in reply.json["error"]["message"]


def test_duplicate_key_in_a_nested_object_is_400(client, headers):
    raw = b'{"customer_id": "c-1", "churn_score": 0.5, "context": {"plan": "a", "plan": "b"}}'
    reply = _post_raw(client, "/v1/decisions", raw, headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["key"] == "plan"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "customer_id": "c\x001"}, "customer_id"),
        ({**GOOD, "channel": "web\x00"}, "channel"),
        ({**GOOD, "context": {"plan": "gold\x00"}}, "context.plan"),
        ({**GOOD, "context": {"pl\x00an": "gold"}}, "context.pl\x00an"),
        ({**GOOD, "offer_ids": ["loyalty", "x\x00"]}, "offer_ids.1"),
    ],
)
def test_nul_in_a_decision_is_400_naming_the_field(client, headers, body, field):
    reply = client.post("/v1/decisions", json=body, headers=headers("crm"))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"] == field
    assert "NUL" in reply.json["error"]["message"]


def test_nul_in_a_batch_names_the_request(client, headers):
    body = {"requests": [GOOD, {**GOOD, "customer_id": "\x00"}]}
    reply = client.post("/v1/decisions/batch", json=body, headers=headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "requests.1.customer_id"


def test_lone_surrogate_is_400_naming_the_field(client, headers):
    raw = b'{"customer_id": "c\\ud800", "churn_score": 0.5}'
    reply = _post_raw(client, "/v1/decisions", raw, headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "customer_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_OFFER, "name": "Bo\x00nus"}, "name"),
        ({**NEW_OFFER, "features": {"tier": "gold\x00"}}, "features.tier"),
        ({**NEW_OFFER, "eligibility": {"segments": ["a\x00"]}}, "eligibility.segments.0"),
    ],
)
def test_nul_in_an_offer_is_400_naming_the_field(client, headers, body, field):
    reply = client.post("/v1/offers", json=body, headers=headers("marketer"))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"] == field
    assert client.get("/v1/offers/bonus", headers=headers("marketer")).status_code == 404


def test_nul_in_an_offer_edit_is_400(client, headers):
    reply = client.patch("/v1/offers/loyalty", json={"name": "L\x00"}, headers=headers("marketer"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "name"


@pytest.mark.parametrize(
    ("method", "url", "role", "field"),
    [
        ("GET", "/v1/decisions/d%00x", "crm", "decision_id"),
        ("POST", "/v1/decisions/d%00x/outcome", "crm", "decision_id"),
        ("GET", "/v1/offers/loy%00alty", "marketer", "offer_id"),
        ("PATCH", "/v1/offers/loy%00alty", "marketer", "offer_id"),
        ("DELETE", "/v1/offers/loy%00alty", "marketer", "offer_id"),
        ("GET", "/v1/offers/loy%00alty/stats", "analyst", "offer_id"),
        ("GET", "/v1/evaluations/e%00x", "analyst", "evaluation_id"),
        ("GET", "/v1/exports/decisions?channel=web%00", "analyst", "channel"),
        ("GET", "/v1/offers?status=active%00", "marketer", "status"),
    ],
)
def test_nul_in_a_path_id_or_query_is_400_naming_it(client, headers, method, url, role, field):
    body = {"accepted": True} if url.endswith("outcome") else {"name": "x"}
    reply = client.open(url, method=method, headers=headers(role),
                        json=body if method in ("POST", "PATCH") else None)  # fmt: skip
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"] == field


@pytest.mark.parametrize("action", ["activate", "pin", "unpin"])
@pytest.mark.parametrize("version", [TOO_BIG, 2**63, 2**31])
def test_model_version_beyond_the_column_in_the_path_is_404(client, headers, action, version):
    reply = client.post(f"/v1/models/{version}/{action}", headers=headers("admin"))
    assert reply.status_code == 404
    assert reply.json["error"]["code"] == "not_found"


def test_largest_model_version_in_the_path_is_an_unknown_version(client, headers):
    reply = client.post(f"/v1/models/{2**31 - 1}/pin", headers=headers("admin"))
    assert reply.status_code == 404
    assert reply.json["error"]["details"]["kind"] == "model version"


@pytest.mark.parametrize("query", [f"a={TOO_BIG}&b=1", f"a=1&b={2**31}", "a=%C2%B2&b=1", "b=1"])
def test_bad_model_version_in_compare_is_400_naming_it(client, headers, query):
    reply = client.get(f"/v1/models/compare?{query}", headers=headers("admin"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] in ("a", "b")


@pytest.mark.parametrize("version", [str(TOO_BIG), "-1", "x", "1.5"])
def test_bad_offer_version_query_is_400_naming_it(client, headers, version):
    reply = client.get(f"/v1/offers/loyalty?version={version}", headers=headers("marketer"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "version"


def test_context_number_beyond_the_learners_range_is_400_naming_it(client, headers):
    body = {**GOOD, "context": {"spend": 2e9}}
    reply = client.post("/v1/decisions", json=body, headers=headers("crm"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "context.spend"


def _chunked(client, body: bytes, headers):
    """A body with no Content-Length, as a server that de-chunks the request passes it on."""
    return client.post(
        "/v1/decisions",
        input_stream=io.BytesIO(body),
        headers={**headers, "Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_chunked_body_over_the_limit_is_413(client, headers, runtime):
    limit = runtime.settings.serving.max_body_bytes
    body = json.dumps(GOOD).encode() + b" " * limit  # valid JSON in its first `limit` bytes
    reply = _chunked(client, body, headers("crm"))
    assert reply.status_code == 413
    assert reply.json["error"]["code"] == "request_entity_too_large"


def test_chunked_body_within_the_limit_is_read_whole(client, headers, runtime):
    limit = runtime.settings.serving.max_body_bytes
    head = json.dumps(GOOD).encode()
    reply = _chunked(client, head + b" " * (limit - len(head)), headers("crm"))
    assert reply.status_code == 200, reply.json


def test_options_on_the_batch_endpoint_lists_only_its_methods(app, client, headers):
    reply = FlaskClient(app, app.response_class).options(
        "/v1/decisions/batch", headers=headers("crm")
    )
    assert set(reply.headers["Allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}
    assert client.get("/v1/decisions/batch", headers=headers("crm")).status_code == 405


def test_options_on_a_decision_lists_the_look_up(app, headers):
    reply = FlaskClient(app, app.response_class).options(
        "/v1/decisions/some-id", headers=headers("crm")
    )
    assert {"GET", "HEAD"} <= set(reply.headers["Allow"].replace(" ", "").split(","))
