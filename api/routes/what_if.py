"""What-if runs over HTTP: a proposed offer catalogue against the current one in the simulator,
run in the background like the console's (`Runtime.what_ifs`); poll the run for its result."""

from __future__ import annotations

from flask import Blueprint, url_for

from api.auth import requires
from api.bodies import read_body
from api.routes._params import install
from api.routes._runtime import runtime
from api.routes.admin import number_arg
from nba.schemas import what_if as schemas

blueprint = Blueprint("what_if", __name__, url_prefix="/v1")
install(blueprint)

ROLES = ("marketer", "analyst")


@blueprint.post("/what-if")
@requires(*ROLES)
def start_what_if() -> tuple[dict, int, dict[str, str]]:
    """Check the proposal, store the run and start it; 202 with its id and Location."""
    run = runtime().what_ifs.submit(schemas.what_if_spec(read_body(schemas.WhatIfBody)))
    location = url_for("what_if.get_what_if", run_id=run.id)
    return schemas.what_if_reply(run, None), 202, {"Location": location}


@blueprint.get("/what-if/<run_id>")
@requires(*ROLES)
def get_what_if(run_id: str) -> tuple[dict, int]:
    """A run: its status, and when done the changes with their intervals."""
    jobs = runtime().what_ifs
    run = jobs.get(run_id)
    return schemas.what_if_reply(run, jobs.report(run)), 200


@blueprint.get("/what-if")
@requires(*ROLES)
def list_what_ifs() -> tuple[dict, int]:
    """Recent runs, newest first (`?limit=`), without their results."""
    limit = schemas.list_limit(number_arg("limit", schemas.DEFAULT_LIST_LIMIT))
    return schemas.what_if_list_reply(runtime().what_ifs.recent(limit)), 200
