"""Admin endpoints: model registry (list, activate, pin, compare, train), apprentice, keys."""

from __future__ import annotations

from flask import Blueprint

from api.auth import requires
from api.bodies import read_body
from api.routes._params import VERSION, install, version_arg
from api.routes._runtime import runtime
from nba import schemas

blueprint = Blueprint("admin", __name__, url_prefix="/v1")
install(blueprint)


@blueprint.get("/models")
@requires("admin")
def list_models() -> tuple[dict, int]:
    """Every saved model version, newest first, without its bytes."""
    return schemas.model_list_reply(runtime().models.list()), 200


@blueprint.post(f"/models/<{VERSION}:version>/activate")
@requires("admin")
def activate_model(version: int) -> tuple[dict, int]:
    """Make a version the live model (rollback)."""
    return schemas.model_reply(runtime().models.activate(version)), 200


@blueprint.post("/models/train")
@requires("admin")
def train_model() -> tuple[dict, int]:
    """Learn outstanding outcomes now and save a new model version."""
    return schemas.model_reply(runtime().models.train()), 200


@blueprint.post("/keys")
@requires("admin")
def create_key() -> tuple[dict, int]:
    """Create an API key for a role; the secret is in this reply only."""
    body = read_body(schemas.KeyBody)
    key, secret = runtime().keys.create(body.role, body.name)
    return schemas.key_reply(key, secret), 201


@blueprint.post(f"/models/<{VERSION}:version>/pin")
@requires("admin")
def pin_model(version: int) -> tuple[dict, int]:
    """Pin a version: while it is active, training saves versions without activating them."""
    return schemas.model_reply(runtime().models.pin(version, True)), 200


@blueprint.post(f"/models/<{VERSION}:version>/unpin")
@requires("admin")
def unpin_model(version: int) -> tuple[dict, int]:
    """Unpin a version."""
    return schemas.model_reply(runtime().models.pin(version, False)), 200


@blueprint.get("/models/compare")
@requires("admin")
def compare_models() -> tuple[dict, int]:
    """Two versions evaluated off-policy on the same recent log."""
    a, b = version_arg("a"), version_arg("b")
    return schemas.comparison_reply(runtime().models.compare(a, b)), 200


@blueprint.get("/apprentice")
@requires("admin")
def apprentice_status() -> tuple[dict, int]:
    """Whether the baseline still decides, and the evidence of the last check."""
    return schemas.apprentice_reply(runtime().apprentice.status()), 200


@blueprint.post("/apprentice/graduate")
@requires("admin")
def graduate_apprentice() -> tuple[dict, int]:
    """Let the learner serve from now on."""
    return schemas.apprentice_reply(runtime().apprentice.graduate("operator")), 200
