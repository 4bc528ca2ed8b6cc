"""Campaign endpoints: start a batch campaign in the background, read its status and report."""

from __future__ import annotations

from flask import Blueprint

from api.auth import requires
from api.bodies import read_body
from api.routes._params import install
from api.routes._runtime import runtime
from nba.schemas import campaigns as schemas

blueprint = Blueprint("campaigns", __name__, url_prefix="/v1")
install(blueprint)


@blueprint.post("/campaigns")
@requires("marketer")
def start_campaign() -> tuple[dict, int]:
    """Start a campaign on a customers file of the campaign folder; poll its id."""
    jobs = runtime().campaigns
    spec = schemas.campaign_spec(read_body(schemas.CampaignBody), jobs.folder, jobs.new_seed())
    return schemas.campaign_reply(jobs.submit(spec), None), 202


@blueprint.get("/campaigns/<campaign_id>")
@requires("marketer", "analyst")
def get_campaign(campaign_id: str) -> tuple[dict, int]:
    """A campaign: status and progress; prices, budget use and its effect once done."""
    jobs = runtime().campaigns
    campaign = jobs.get(campaign_id)
    report = jobs.report(campaign_id) if campaign.status == "done" else None
    return schemas.campaign_reply(campaign, report), 200
