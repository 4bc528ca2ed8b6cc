"""The Campaigns pages: the list, one campaign's budgets and effect; roles as the API's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba.campaigns import CampaignSpec
from tests.waiting import wait_until


def _campaign(runtime, settings) -> str:
    folder = settings.database.data_dir / "campaigns"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(4)
    customers = {"customer_id": [f"c{i}" for i in range(200)], "churn_score": rng.random(200),
                 "tenure_months": rng.integers(1, 60, 200)}  # fmt: skip
    pd.DataFrame(customers).to_parquet(folder / "in.parquet")
    spec = CampaignSpec(input=str(folder / "in.parquet"), out=str(folder / "out.parquet"),
                        offers=("discount_10", "loyalty"), seed=3,
                        budgets=(("discount_10", 2.0),), holdout=0.2)  # fmt: skip
    campaign = runtime.campaigns.submit(spec)
    wait_until(lambda: runtime.campaigns.get(campaign.id).status == "done", 60, "the campaign")
    return campaign.id


def test_a_campaign_page_shows_its_budgets_and_its_effect(console_client, runtime, settings):
    campaign_id = _campaign(runtime, settings)
    client = console_client("marketer")
    listing = client.get("/ui/campaigns")
    assert listing.status_code == 200
    assert campaign_id[:8] in listing.get_data(as_text=True)
    page = client.get(f"/ui/campaigns/{campaign_id}").get_data(as_text=True)
    assert "discount_10" in page and "Shadow price" in page
    assert "no answers in both arms yet" in page  # nothing answered: no effect to show yet


def test_a_crm_key_may_not_open_the_campaigns(console_client):
    assert console_client("crm").get("/ui/campaigns").status_code == 403
