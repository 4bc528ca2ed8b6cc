"""Marketer endpoints: offer CRUD (an edit makes a new version; DELETE retires) and stats."""

from __future__ import annotations

from flask import Blueprint, request

from api.auth import requires
from api.bodies import read_body
from api.routes._params import install, optional_version_arg
from api.routes._runtime import actor, runtime
from nba import schemas
from nba.clock import parse_time
from nba.domain import ROLES
from nba.evaluation import stats as nba_stats

blueprint = Blueprint("marketer", __name__, url_prefix="/v1/offers")
install(blueprint)


@blueprint.get("")
@requires(*ROLES)
def list_offers() -> tuple[dict, int]:
    """Every offer at its latest version (`?status=active|paused|retired` filters)."""
    offers = runtime().catalog.list(request.args.get("status"))
    return schemas.offer_list_reply(offers), 200


@blueprint.post("")
@requires("marketer")
def add_offer() -> tuple[dict, int]:
    """Add a new offer (version 1)."""
    offer = runtime().catalog.add(read_body(schemas.OfferBody), actor=actor())
    return schemas.offer_reply(offer), 201


@blueprint.get("/<offer_id>")
@requires(*ROLES)
def get_offer(offer_id: str) -> tuple[dict, int]:
    """One offer at its latest version (`?version=N` for an older one)."""
    version = optional_version_arg("version")
    return schemas.offer_reply(runtime().catalog.get(offer_id, version)), 200


@blueprint.patch("/<offer_id>")
@requires("marketer")
def edit_offer(offer_id: str) -> tuple[dict, int]:
    """Change an offer; the change becomes a new version."""
    offer = runtime().catalog.edit(offer_id, read_body(schemas.OfferPatch), actor=actor())
    return schemas.offer_reply(offer), 200


@blueprint.delete("/<offer_id>")
@requires("marketer")
def retire_offer(offer_id: str) -> tuple[dict, int]:
    """Retire an offer: it is never shown again, its history stays."""
    retired = runtime().catalog.set_status(offer_id, "retired", actor=actor())
    return schemas.offer_reply(retired), 200


@blueprint.get("/<offer_id>/stats")
@requires("marketer", "analyst")
def offer_stats(offer_id: str) -> tuple[dict, int]:
    """Shows, accepts and acceptance rate (95% interval) overall, by churn band, by day."""
    start, end = request.args.get("from"), request.args.get("to")
    stats = nba_stats.offer_stats(
        runtime().database,
        offer_id,
        start=parse_time(start, "from") if start else None,
        end=parse_time(end, "to") if end else None,
    )
    return schemas.stats_reply(stats), 200
