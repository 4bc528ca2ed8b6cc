"""What /openapi.json allows the server accepts, and what the server refuses it does not allow."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from tests.databases import SQLITE_ONLY

pytestmark = SQLITE_ONLY


def _body_schema(document: dict, name: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return Draft202012Validator(schema)


def test_an_integral_float_in_an_integer_field_is_an_integer(client, headers):
    body = {"policies": ["random"], "n_bootstrap": 5.0, "seed": 3.0}
    reply = client.post("/v1/evaluations", json=body, headers=headers("analyst"))
    assert reply.status_code == 202, reply.json


def test_offer_caps_take_an_integral_float(client, headers):
    body = {"caps": {"max_per_customer": 2.0, "window_days": 7.0}}
    reply = client.patch("/v1/offers/loyalty", json=body, headers=headers("marketer"))
    assert reply.status_code == 200, reply.json


def test_an_alpha_the_intervals_cannot_use_is_refused_by_both(client, headers):
    body = {"policies": ["random"], "alpha": 1e-300}
    reply = client.post("/v1/evaluations", json=body, headers=headers("analyst"))
    assert reply.status_code == 400
    assert reply.json["error"]["details"]["field"] == "alpha"
    assert not _body_schema(client.document, "EvaluationBody").is_valid(body)


def test_what_the_server_refuses_the_document_does_not_allow(client):
    patch = _body_schema(client.document, "OfferPatch")
    for body in ({}, {"cost": None}, {"name": None}, {"status": None}, {"name": "a\x00"},
                 {"features": {" ": 1}}, {"features": {"x": 2e9}}):  # fmt: skip
        assert not patch.is_valid(body), body
    evaluation = _body_schema(client.document, "EvaluationBody")
    for body in ({"policies": [""]}, {"policies": ["random"], "estimators": ["nope"]}):
        assert not evaluation.is_valid(body), body
    decision = _body_schema(client.document, "DecisionBody")
    for body in ({"customer_id": "c", "churn_score": 0.5, "context": {"x": {"a": 1}}},
                 {"customer_id": "c", "churn_score": 0.5, "channel": "w\x00"}):  # fmt: skip
        assert not decision.is_valid(body), body


def test_a_condition_value_must_fit_its_op_in_the_document(client):
    offer = _body_schema(client.document, "OfferBody")
    good = {"id": "x", "name": "X", "category": "loyalty"}
    wrong = [{"field": "plan", "op": "in", "value": "gold"},
             {"field": "tenure", "op": "ge", "value": [1]}]  # fmt: skip
    for condition in wrong:
        assert not offer.is_valid({**good, "eligibility": {"conditions": [condition]}})
    right = {"field": "plan", "op": "in", "value": ["gold"]}
    assert offer.is_valid({**good, "eligibility": {"conditions": [right]}})


def test_query_parameters_and_every_status_are_documented(client):
    paths = client.document["paths"]
    compare = paths["/v1/models/compare"]["get"]
    assert {p["name"] for p in compare["parameters"]} == {"a", "b"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            if "security" in operation:
                assert {"400", "401", "403", "429", "503"} <= set(operation["responses"]), path
            if "requestBody" in operation:
                assert {"400", "413"} <= set(operation["responses"]), (method, path)
    assert "422" in paths["/v1/decisions"]["post"]["responses"]


def test_a_budget_keyed_by_a_name_with_a_nul_is_refused_by_both(client, headers):
    """Found by benchmarks/fuzz.py: the document let any key name a campaign's budget."""
    body = {"input": "in.csv", "out": "out.csv", "offers": ["loyalty"], "budget": {"a\x00": 1}}
    reply = client.post("/v1/campaigns", json=body, headers=headers("marketer"))
    assert reply.status_code == 400
    document = _body_schema(client.document, "CampaignBody")
    assert not document.is_valid(body)
    assert not document.is_valid({**body, "budget": {}, "spend": {"a\x00": 1}})
