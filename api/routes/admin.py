"""Admin endpoints: model registry (list, activate, save now) and API keys."""

from __future__ import annotations

from flask import Blueprint

from api import schemas
from api.auth import requires
from api.bodies import read_body
from api.routes._runtime import runtime

blueprint = Blueprint("admin", __name__, url_prefix="/v1")


@blueprint.get("/models")
@requires("admin")
def list_models() -> tuple[dict, int]:
    """Every saved model version, newest first, without its bytes."""
    return {"models": [schemas.model_reply(m) for m in runtime().models.list()]}, 200


@blueprint.post("/models/<int:version>/activate")
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
    body, _ = read_body(schemas.KeyBody)
    key, secret = runtime().keys.create(body.role, body.name)
    return {"id": key.id, "role": key.role, "name": key.name, "key": secret}, 201
