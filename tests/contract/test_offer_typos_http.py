"""A misspelt field in an offer body is named first, with the field it was likely meant as."""

from __future__ import annotations

OFFER = {"id": "disc", "name": "Discount", "category": "discount", "cost": 5}


def test_a_misspelt_required_field_is_reported_first_with_a_suggestion(client, headers):
    body = {"id": "disc", "name": "Discount", "catgory": "discount"}
    reply = client.post("/v1/offers", json=body, headers=headers("marketer"))
    assert reply.status_code == 400
    error = reply.json["error"]
    assert error["message"] == (
        "catgory: unknown field (did you mean 'category'?); category: is required"
    )
    assert error["details"]["field"] == "catgory"
    assert error["details"]["problems"] == [
        {"field": "catgory", "problem": "unknown field (did you mean 'category'?)"},
        {"field": "category", "problem": "is required"},
    ]
    assert client.get("/v1/offers/disc", headers=headers("marketer")).status_code == 404


def test_every_problem_of_a_body_is_listed_unknown_fields_first(client, headers):
    body = {**OFFER, "cost": -1, "caps": {"max_per_cstomer": 2}, "colour": "red"}
    reply = client.post("/v1/offers", json=body, headers=headers("marketer"))
    assert reply.status_code == 400
    problems = reply.json["error"]["details"]["problems"]
    assert [p["field"] for p in problems] == ["caps.max_per_cstomer", "colour", "cost"]
    assert problems[0]["problem"] == "unknown field (did you mean 'max_per_customer'?)"
    assert problems[1]["problem"] == "unknown field"


def test_a_misspelt_field_of_an_edit_names_the_field_meant(client, headers):
    assert client.post("/v1/offers", json=OFFER, headers=headers("marketer")).status_code == 201
    reply = client.patch("/v1/offers/disc", json={"valeu": 45}, headers=headers("marketer"))
    assert reply.status_code == 400
    assert reply.json["error"]["message"] == "valeu: unknown field (did you mean 'value'?)"
