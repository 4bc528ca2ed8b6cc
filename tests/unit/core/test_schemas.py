"""The body models hold every rule of a body: errors name the field, values reach the service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nba.errors import InvalidInput
from nba.schemas import (
    DecisionBody,
    EvaluationBody,
    OfferBody,
    OfferPatch,
    decision_request,
    evaluation_spec,
    new_offer,
    offer_changes,
    parse,
)

OFFER = {"id": "ok", "name": "Ok", "category": "discount"}


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (DecisionBody, {"customer_id": " ", "churn_score": 0.5}, "customer_id"),
        (DecisionBody, {"customer_id": "c", "churn_score": 0.5, "context": {" ": 1}}, "context. "),
        (DecisionBody, {"customer_id": "c", "churn_score": 0.5, "context": {"a": "x" * 501}},
         "context.a"),
        (DecisionBody, {"customer_id": "c", "churn_score": 0.5,
                        "context": {f"f{i}": 1 for i in range(201)}}, "context"),
        (OfferBody, {**OFFER, "eligibility": {"conditions": [{"field": "plan", "op": "in",
                                                              "value": "gold"}]}},
         "eligibility.conditions.0.value"),
        (OfferBody, {**OFFER, "caps": {"window_days": 0}}, "caps.window_days"),
        (OfferPatch, {"name": None}, "name"),
        (OfferPatch, {"id": "other"}, "id"),
        (EvaluationBody, {"policies": ["random", "table:/etc/passwd"]}, "policies.1"),
        (EvaluationBody, {"policies": ["random"], "estimators": None}, "estimators"),
    ],
)  # fmt: skip
def test_a_bad_body_is_invalid_input_naming_the_field(model, data, field):
    with pytest.raises(InvalidInput) as raised:
        parse(model, data)
    assert raised.value.details["field"] == field
    assert raised.value.message.startswith(f"{field}: ")


def test_a_decision_request_has_its_context_sorted_and_offer_ids_once():
    body = {"customer_id": "c", "churn_score": 0.2, "context": {"b": 1, "a": "x"},
            "offer_ids": ["o2", "o1", "o2"]}  # fmt: skip
    request = decision_request(parse(DecisionBody, body))
    assert request.context == (("a", "x"), ("b", 1))
    assert request.offer_ids == ("o2", "o1")


def test_an_offer_from_a_file_may_hold_a_datetime_and_takes_defaults():
    starts = datetime(2026, 1, 1, tzinfo=UTC)
    offer = new_offer(parse(OfferBody, {**OFFER, "cost": 5, "starts_at": starts}))
    assert offer.starts_at == starts and offer.cost == 5.0 and offer.status == "active"


def test_an_edit_changes_only_the_fields_it_names():
    assert offer_changes(parse(OfferPatch, {"cost": 7.5, "description": None})) == {
        "description": "",
        "cost": 7.5,
    }


def test_an_evaluation_spec_gets_the_defaults_and_iso_times():
    spec = evaluation_spec(parse(EvaluationBody, {"policies": ["rules"], "from": "2026-01-01"}))
    assert spec["alpha"] == 0.05 and spec["n_bootstrap"] == 200
    assert spec["from"] == "2026-01-01T00:00:00+00:00" and "to" not in spec
