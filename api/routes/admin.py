"""Admin endpoints: model registry (list, activate, pin, compare, train), apprentice, keys,
the audit log (read only: no route edits or deletes an entry)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, request

from api.auth import requires
from api.bodies import read_body
from api.routes._params import VERSION, install, version_arg
from api.routes._runtime import actor, runtime
from nba import schemas
from nba.clock import parse_time
from nba.errors import InvalidInput
from nba.serving.audit import DEFAULT_LIMIT

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
    return schemas.model_reply(runtime().models.activate(version, actor=actor())), 200


@blueprint.post("/models/train")
@requires("admin")
def train_model() -> tuple[dict, int]:
    """Learn outstanding outcomes now and save a new model version."""
    return schemas.model_reply(runtime().models.train(actor=actor())), 200


@blueprint.post("/keys")
@requires("admin")
def create_key() -> tuple[dict, int]:
    """Create an API key for a role; the secret is in this reply only."""
    body = read_body(schemas.KeyBody)
    key, secret = runtime().keys.create(
        body.role, body.name, expires_at=body.expires_at, actor=actor()
    )
    return schemas.key_reply(key, secret), 201


@blueprint.get("/keys")
@requires("admin")
def list_keys() -> tuple[dict, int]:
    """Every key's record (id, role, name, expiry, revoked), never a secret."""
    return schemas.key_list_reply(runtime().keys.list()), 200


@blueprint.delete("/keys/<key_id>")
@requires("admin")
def revoke_key(key_id: str) -> tuple[dict, int]:
    """Revoke a key: it stops working in every worker; its record and audit entries stay."""
    return schemas.key_info(runtime().keys.revoke(key_id, actor=actor())), 200


@blueprint.get("/audit")
@requires("admin")
def list_audit() -> tuple[dict, int]:
    """Changes newest first (`?entity=&actor=&from=&to=&limit=`)."""
    args = request.args
    entries = runtime().audit.list(
        entity=args.get("entity"),
        actor=args.get("actor"),
        start=time_arg("from"),
        end=time_arg("to"),
        limit=number_arg("limit", DEFAULT_LIMIT),
    )
    return schemas.audit_list_reply(entries), 200


@blueprint.post(f"/models/<{VERSION}:version>/pin")
@requires("admin")
def pin_model(version: int) -> tuple[dict, int]:
    """Pin a version: while it is active, training saves versions without activating them."""
    return schemas.model_reply(runtime().models.pin(version, True, actor=actor())), 200


@blueprint.post(f"/models/<{VERSION}:version>/unpin")
@requires("admin")
def unpin_model(version: int) -> tuple[dict, int]:
    """Unpin a version."""
    return schemas.model_reply(runtime().models.pin(version, False, actor=actor())), 200


@blueprint.get("/models/compare")
@requires("admin")
def compare_models() -> tuple[dict, int]:
    """Two versions evaluated off-policy on the same recent log."""
    a, b = version_arg("a"), version_arg("b")
    return schemas.comparison_reply(runtime().models.compare(a, b)), 200


@blueprint.get("/models/optimization")
@requires("admin")
def list_optimizations() -> tuple[dict, int]:
    """Auto-optimize's comparisons and promotions, newest first (`?limit=`)."""
    history = runtime().optimizer.history(number_arg("limit", 50))
    return schemas.optimization_list_reply(history), 200


@blueprint.post("/models/optimization")
@requires("admin")
def run_optimization() -> tuple[dict, int]:
    """Compare every challenger with the champion now; promote a clear winner."""
    return schemas.optimization_reply(runtime().optimizer.run(actor=actor())), 200


@blueprint.get("/apprentice")
@requires("admin")
def apprentice_status() -> tuple[dict, int]:
    """Whether the baseline still decides, and the evidence of the last check."""
    return schemas.apprentice_reply(runtime().apprentice.status()), 200


@blueprint.post("/apprentice/graduate")
@requires("admin")
def graduate_apprentice() -> tuple[dict, int]:
    """Let the learner serve from now on."""
    status = runtime().apprentice.graduate("operator", actor=actor())
    return schemas.apprentice_reply(status), 200


def number_arg(name: str, default: int) -> int:
    """A whole number from the query string (`default` if absent); InvalidInput otherwise."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise InvalidInput(name, f"must be a whole number, got {raw!r}")
    return int(raw)


def time_arg(name: str) -> datetime | None:
    """An ISO-8601 time from the query string, or None if absent."""
    raw = request.args.get(name)
    return None if raw is None else parse_time(raw, name)
