"""Analyst endpoints: export the decision log, off-policy evaluation jobs, uplift."""

from __future__ import annotations

from flask import Blueprint, Response, request

from api.auth import requires
from api.bodies import read_body
from api.routes._params import install
from api.routes._runtime import runtime
from nba import schemas
from nba.clock import parse_time
from nba.evaluation.exports import decision_log, export_bytes
from nba.evaluation.jobs import EvaluationJobs
from nba.schemas import uplift as uplift_schemas

blueprint = Blueprint("analyst", __name__, url_prefix="/v1")
install(blueprint)

MEDIA = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv"}


@blueprint.get("/exports/decisions")
@requires("analyst")
def export_decisions() -> Response:
    """The decision log in the logged-data schema (`?from=&to=&channel=&format=parquet|csv`)."""
    fmt = request.args.get("format", "parquet")
    start, end = request.args.get("from"), request.args.get("to")
    frame = decision_log(
        runtime().database,
        start=parse_time(start, "from") if start else None,
        end=parse_time(end, "to") if end else None,
        channel=request.args.get("channel"),
    )
    data = export_bytes(frame, fmt)
    return Response(
        data,
        mimetype=MEDIA[fmt],
        headers={"Content-Disposition": f"attachment; filename=decisions.{fmt}"},
    )


@blueprint.post("/evaluations")
@requires("analyst")
def start_evaluation() -> tuple[dict, int]:
    """Start an off-policy evaluation job on the decision log; poll its id for results."""
    spec = schemas.evaluation_spec(read_body(schemas.EvaluationBody))
    return schemas.evaluation_reply(_jobs().submit(spec)), 202


@blueprint.get("/evaluations/<evaluation_id>")
@requires("analyst")
def get_evaluation(evaluation_id: str) -> tuple[dict, int]:
    """An evaluation job: status, and results when done."""
    return schemas.evaluation_reply(_jobs().get(evaluation_id)), 200


def _jobs() -> EvaluationJobs:
    return runtime().evaluations


@blueprint.get("/uplift")
@requires("analyst", "marketer")
def uplift() -> tuple[dict, int]:
    """Uplift over no_action per offer and churn band (`?from=&to=&reward=&min_ess=`)."""
    query = uplift_schemas.uplift_query(request.args)
    reports = runtime().uplift
    report = reports.report(query.start, query.end, query.reward, query.min_ess)
    return uplift_schemas.uplift_reply(report, reports.guard()), 200
