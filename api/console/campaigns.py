"""The Campaigns pages: the latest campaigns, and one campaign's budgets and effect (read only;
campaigns start from `nba campaign run` or POST /v1/campaigns)."""

from __future__ import annotations

from flask import render_template

from api.console._blueprint import blueprint
from api.console.access import page
from api.routes._runtime import runtime

REFRESH_S = 2
"""A running campaign's page reloads itself this often."""


@blueprint.get("/campaigns")
@page("marketer", "analyst")
def campaigns() -> str:
    """The newest campaigns with their status and size."""
    return render_template("console/campaigns.html", campaigns=runtime().campaigns.recent())


@blueprint.get("/campaigns/<campaign_id>")
@page("marketer", "analyst")
def campaign(campaign_id: str) -> str:
    """One campaign: per offer its budget use and shadow price; its effect over the holdout."""
    jobs = runtime().campaigns
    found = jobs.get(campaign_id)
    report = jobs.report(campaign_id) if found.status == "done" else None
    return render_template(
        "console/campaign.html",
        campaign=found,
        spec=dict(found.spec),
        report=report,
        refresh_s=REFRESH_S if found.status in ("pending", "running") else None,
    )
