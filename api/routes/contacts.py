"""Contact policy endpoints (marketers and admins): the policy document, the suppression list."""

from __future__ import annotations

from flask import Blueprint, request

from api.auth import requires
from api.bodies import read_body
from api.routes._params import install
from api.routes._runtime import actor, runtime
from api.routes.admin import number_arg
from nba.schemas.contacts import (
    ContactPolicyBody,
    SuppressionBody,
    contact_policy_reply,
    suppression_list_reply,
    suppression_reply,
)

blueprint = Blueprint("contacts", __name__, url_prefix="/v1")
install(blueprint)
EDITORS = ("marketer", "admin")


@blueprint.get("/contact-policy")
@requires("marketer", "admin", "analyst")
def get_policy() -> tuple[dict, int]:
    """The contact policy in force: window limits, decline cool-downs, quiet hours."""
    return contact_policy_reply(runtime().contacts.policy()), 200


@blueprint.put("/contact-policy")
@requires(*EDITORS)
def set_policy() -> tuple[dict, int]:
    """Replace the contact policy whole (audited)."""
    policy = runtime().contacts.set_policy(read_body(ContactPolicyBody), actor=actor())
    return contact_policy_reply(policy), 200


@blueprint.get("/suppressions")
@requires(*EDITORS)
def list_suppressions() -> tuple[dict, int]:
    """The suppression list by customer id, a page at a time (`?after=&limit=`)."""
    limit = number_arg("limit", 100)
    page, total = runtime().contacts.suppressions(after=request.args.get("after"), limit=limit)
    return suppression_list_reply(page, total, limit), 200


@blueprint.post("/suppressions")
@requires(*EDITORS)
def add_suppression() -> tuple[dict, int]:
    """Put a customer on the suppression list: no offer reaches them (audited)."""
    entry = runtime().contacts.suppress(read_body(SuppressionBody), actor=actor())
    return suppression_reply(entry), 201


@blueprint.get("/suppressions/<customer_id>")
@requires(*EDITORS)
def get_suppression(customer_id: str) -> tuple[dict, int]:
    """One customer's entry on the suppression list."""
    return suppression_reply(runtime().contacts.suppression(customer_id)), 200


@blueprint.delete("/suppressions/<customer_id>")
@requires(*EDITORS)
def remove_suppression(customer_id: str) -> tuple[dict, int]:
    """Take a customer off the suppression list (audited)."""
    return suppression_reply(runtime().contacts.unsuppress(customer_id, actor=actor())), 200
