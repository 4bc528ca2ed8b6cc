"""/docs is a real API reference: Swagger UI from a package, with examples that work."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from nba.schemas.examples import EXAMPLES
from tests.databases import SQLITE_ONLY

pytestmark = SQLITE_ONLY


def _examples(document: dict):
    """(where, schema, example) of every media type that gives an example."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            media = [("request", operation.get("requestBody", {}).get("content", {}))]
            media += [
                (status, r.get("content", {})) for status, r in operation["responses"].items()
            ]
            for where, content in media:
                for kind, body in content.items():
                    if "example" in body:
                        yield f"{method} {path} {where} {kind}", body["schema"], body["example"]


def test_docs_is_swagger_ui_served_here_reading_the_openapi_document(client, app):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'url: "/openapi.json"' in html and 'id="swagger-ui"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no CDN
    assets = re.findall(r"""(?:src|href)="(/docs/static/[^"]+)\"""", html)
    assert {a.rsplit("/", 1)[-1] for a in assets} == {"swagger-ui.css", "swagger-ui-bundle.js"}
    plain = FlaskClient(app)  # the files are no API operation: not held against the document
    for asset in assets:
        with plain.get(asset) as reply:
            assert reply.status_code == 200 and len(reply.data) > 10_000, asset
    with plain.get("/docs/static/swagger-ui-bundle.js") as reply:
        assert "openapi: 3.1.0" in reply.get_data(as_text=True)  # it renders OpenAPI 3.1
    with plain.get("/docs/static/../../../etc/passwd") as reply:
        assert reply.status_code == 404


def test_every_body_has_an_example_and_every_example_fits_its_schema(client):
    document = client.document
    found = list(_examples(document))
    for where, schema, example in found:
        validator = Draft202012Validator({**schema, "components": document["components"]})
        problems = [e.message for e in validator.iter_errors(example)]
        assert not problems, (where, problems)
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if "requestBody" in operation:
                assert "example" in operation["requestBody"]["content"]["application/json"], path
    named = {m for _, s, _ in found for m in [s.get("$ref", "").rsplit("/", 1)[-1]]}
    assert set(EXAMPLES) <= named


def test_the_tour_examples_work(client, headers):
    document = client.document["paths"]
    offer = document["/v1/offers"]["post"]["requestBody"]["content"]["application/json"]
    created = client.post("/v1/offers", json=offer["example"], headers=headers("marketer"))
    assert created.status_code in (201, 409), created.json  # 409: the sample offers have it
    decide = document["/v1/decisions"]["post"]["requestBody"]["content"]["application/json"]
    decision = client.post("/v1/decisions", json=decide["example"], headers=headers("crm"))
    assert decision.status_code == 200, decision.json
    report = document["/v1/decisions/{decision_id}/outcome"]["post"]["requestBody"]
    outcome = client.post(
        f"/v1/decisions/{decision.json['decision_id']}/outcome",
        json=report["content"]["application/json"]["example"],
        headers=headers("crm"),
    )
    assert outcome.status_code == 200, outcome.json


def test_the_document_says_how_to_authorize_and_who_may_call(client):
    document = client.document
    assert "Authorize" in document["info"]["description"]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }
    decide = document["paths"]["/v1/decisions"]["post"]
    assert decide["description"] == "Roles: admin, crm."
