"""Every endpoint x every role and no key: 401 without a valid key, 403 for a wrong role."""

from __future__ import annotations

import pytest

from api.openapi import ENDPOINTS
from nba.domain import ROLES
from tests.contract.openapi_check import path_template
from tests.databases import SQLITE_ONLY

pytestmark = SQLITE_ONLY

SECURED = [e for e in ENDPOINTS if e.roles]


def _concrete(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


@pytest.fixture
def ids(client, headers, runtime) -> dict[str, str]:
    decision = client.post(
        "/v1/decisions", json={"customer_id": "c", "churn_score": 0.5}, headers=headers("crm")
    ).json
    runtime.trainer.run(force=True)
    return {"decision_id": decision["decision_id"], "offer_id": "loyalty", "version": "1"}


@pytest.mark.parametrize("endpoint", SECURED, ids=lambda e: f"{e.method} {e.path}")
def test_endpoint_without_a_key_is_401(client, ids, endpoint):
    reply = client.open(_concrete(endpoint.path, ids), method=endpoint.method.upper(), json={})
    assert reply.status_code == 401
    assert reply.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("endpoint", SECURED, ids=lambda e: f"{e.method} {e.path}")
def test_endpoint_with_an_unknown_key_is_401(client, ids, endpoint):
    reply = client.open(_concrete(endpoint.path, ids), method=endpoint.method.upper(), json={},
                        headers={"Authorization": "Bearer nba_not_a_real_key"})  # fmt: skip
    assert reply.status_code == 401


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", SECURED, ids=lambda e: f"{e.method} {e.path}")
def test_endpoint_allows_exactly_its_roles(client, headers, ids, endpoint, role):
    reply = client.open(_concrete(endpoint.path, ids), method=endpoint.method.upper(), json={},
                        headers=headers(role))  # fmt: skip
    allowed = role == "admin" or role in endpoint.roles
    if allowed:
        assert reply.status_code not in (401, 403), reply.json
    else:
        assert reply.status_code == 403
        assert reply.json["error"]["code"] == "forbidden"


def _is_api(endpoint: str) -> bool:
    """Whether a route is an API operation: not a file, a console page or `/` (a redirect);
    the Personalizer routes follow Microsoft's Personalizer spec, not nba's document."""
    files = endpoint in ("static", "public.docs_asset") or endpoint.endswith(".static")
    foreign = endpoint.startswith(("console.", "personalizer."))
    return not (files or foreign or endpoint == "public.root")


def test_every_flask_route_is_documented(app):
    documented = {(e.method.upper(), e.path) for e in ENDPOINTS}
    for rule in app.url_map.iter_rules():
        if not _is_api(rule.endpoint):
            continue
        path = path_template(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, (method, path)


def test_openapi_describes_every_endpoint_with_schemas(client):
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for endpoint in ENDPOINTS:
        operation = spec["paths"][endpoint.path][endpoint.method]
        if endpoint.body:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.split("/")[-1] in spec["components"]["schemas"]
        if endpoint.reply:
            content = operation["responses"][str(endpoint.status)]["content"]
            ref = content[endpoint.media]["schema"]["$ref"]
            assert ref.split("/")[-1] in spec["components"]["schemas"]
        if endpoint.roles:
            assert {"401", "403"} <= set(operation["responses"])


def test_public_endpoints_answer_without_a_key(client):
    assert client.get("/healthz").json["status"] == "ok"
    assert client.get("/readyz").status_code == 200
    assert "nba_http_requests_total" in client.get("/metrics").get_data(as_text=True)
    assert 'url: "/openapi.json"' in client.get("/docs").get_data(as_text=True)  # Swagger UI


def test_bootstrap_admin_key_is_valid_at_start(settings):
    from api import create_app

    secret = "bootstrap-admin-key-for-tests-0123"
    app = create_app(settings.model_copy(update={"bootstrap_admin_key": secret}),
                     start_jobs=False)  # fmt: skip
    try:
        reply = app.test_client().get("/v1/models", headers={"Authorization": f"Bearer {secret}"})
        assert reply.status_code == 200
    finally:
        app.extensions["nba"].close()
