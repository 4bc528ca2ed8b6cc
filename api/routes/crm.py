"""CRM endpoints: decisions (single and batch), outcomes, retention, decision look-up."""

from __future__ import annotations

from flask import Blueprint, Response

from api.auth import requires
from api.bodies import read_body
from api.replies import json_reply
from api.routes._params import install
from api.routes._runtime import runtime
from nba import schemas
from nba.errors import InvalidInput

blueprint = Blueprint("crm", __name__, url_prefix="/v1/decisions")
install(blueprint)


@blueprint.post("")
@requires("crm")
def decide() -> Response:
    """Choose the best offer for one customer."""
    body = read_body(schemas.DecisionBody)
    rt = runtime()
    result = rt.decider.decide(schemas.decision_request(body, rt.health_weights))
    return json_reply(schemas.decision_reply(result))


@blueprint.post("/batch")
@requires("crm")
def decide_batch() -> tuple[dict, int]:
    """Choose offers for several customers; all are logged together or none."""
    body = read_body(schemas.BatchBody)
    rt = runtime()
    limit = rt.settings.serving.max_batch
    if len(body.requests) > limit:
        raise InvalidInput("requests", f"at most {limit} requests per batch")
    requests = [schemas.decision_request(r, rt.health_weights) for r in body.requests]
    results = rt.decider.decide_batch(requests)
    return schemas.batch_reply(results), 200


@blueprint.post("/<decision_id:decision_id>/outcome")
@requires("crm")
def record_outcome(decision_id: str) -> tuple[dict, int]:
    """Report whether the customer accepted; repeating the same report changes nothing."""
    report = schemas.outcome_report(decision_id, read_body(schemas.OutcomeBody))
    return schemas.recorded_outcome_reply(runtime().feedback.record(report)), 200


@blueprint.post("/<decision_id:decision_id>/retention")
@requires("crm")
def record_retention(decision_id: str) -> tuple[dict, int]:
    """Report, weeks later, whether the customer stayed; same idempotency rules as outcomes."""
    report = schemas.retention_report(decision_id, read_body(schemas.RetentionBody))
    return schemas.retention_reply(runtime().feedback.record(report).feedback), 200


@blueprint.get("/<decision_id:decision_id>")
@requires("crm", "analyst")
def get_decision(decision_id: str) -> tuple[dict, int]:
    """The logged decision with its outcome."""
    decision, outcome = runtime().feedback.get_decision(decision_id)
    return schemas.logged_decision_reply(decision, outcome), 200
