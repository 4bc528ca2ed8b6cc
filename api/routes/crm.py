"""CRM endpoints: decisions (single and batch), outcomes, retention, decision look-up."""

from __future__ import annotations

from flask import Blueprint

from api import schemas
from api.auth import requires
from api.bodies import read_body
from api.routes._runtime import runtime
from nba.serving.inputs import decision_request, outcome_report
from nba.serving.retention import retention_report

blueprint = Blueprint("crm", __name__, url_prefix="/v1/decisions")


@blueprint.post("")
@requires("crm")
def decide() -> tuple[dict, int]:
    """Choose the best offer for one customer."""
    _, data = read_body(schemas.DecisionBody)
    result = runtime().service.decide(decision_request(data))
    return schemas.decision_reply(result), 200


@blueprint.post("/batch")
@requires("crm")
def decide_batch() -> tuple[dict, int]:
    """Choose offers for several customers; all are logged together or none."""
    body, data = read_body(schemas.BatchBody)
    limit = runtime().settings.serving.max_batch
    if len(body.requests) > limit:
        from nba.errors import InvalidInput

        raise InvalidInput("requests", f"at most {limit} requests per batch")
    requests = [decision_request(r, f"requests[{i}].") for i, r in enumerate(data["requests"])]
    results = runtime().service.decide_batch(requests)
    return {"decisions": [schemas.decision_reply(r) for r in results]}, 200


@blueprint.post("/<decision_id>/outcome")
@requires("crm")
def record_outcome(decision_id: str) -> tuple[dict, int]:
    """Report whether the customer accepted; repeating the same report changes nothing."""
    _, data = read_body(schemas.OutcomeBody)
    result = runtime().service.record_outcome(outcome_report(decision_id, data))
    return schemas.outcome_reply(result.outcome), 200


@blueprint.post("/<decision_id>/retention")
@requires("crm")
def record_retention(decision_id: str) -> tuple[dict, int]:
    """Report, weeks later, whether the customer stayed; same idempotency rules as outcomes."""
    _, data = read_body(schemas.RetentionBody)
    result = runtime().service.record_retention(retention_report(decision_id, data))
    return schemas.retention_reply(result.retention), 200


@blueprint.get("/<decision_id>")
@requires("crm", "analyst")
def get_decision(decision_id: str) -> tuple[dict, int]:
    """The logged decision with its outcome."""
    decision, outcome = runtime().service.get_decision(decision_id)
    return schemas.logged_decision_reply(decision, outcome), 200
