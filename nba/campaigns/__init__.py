"""Batch campaigns (the response engine): each customer the best offer under the budgets.

`CampaignRunner` plans a campaign (prices solved on a sample, `duals`) and assigns a file of
customers batch by batch, logging each assignment as a decision with its propensity and
keeping a random holdout, under the contact policy (`contacts`: the rules of decide, the
history read per batch); `campaign_report` measures its effect over the holdout.
"""

from nba.campaigns.duals import Solution, choose, dual_bound, solve
from nba.campaigns.engines import Engine, LocalEngine
from nba.campaigns.reading import BadRow
from nba.campaigns.runner import CampaignRunner
from nba.campaigns.spec import CampaignSpec, parse_limits

__all__ = [
    "BadRow",
    "CampaignRunner",
    "CampaignSpec",
    "Engine",
    "LocalEngine",
    "Solution",
    "choose",
    "dual_bound",
    "parse_limits",
    "solve",
]
