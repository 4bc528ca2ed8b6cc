"""In the simulator: the priced assignment earns more than random offers and the churn-band
rules under the same budgets (fixed seed, true acceptance probabilities as the judge)."""

from __future__ import annotations

import numpy as np

import policies
from nba.campaigns import choose, solve
from nba.campaigns.batches import scored
from nba.campaigns.model import ModelSource
from nba.campaigns.reading import CustomerBatch
from nba.campaigns.scoring import CampaignScorer
from nba.clock import utc_now
from nba.config import RewardMode
from policies.base import Candidate, Context
from simulator.campaign import campaign_world, customers_frame, true_acceptance
from simulator.catalog import DEFAULT_OFFERS

N = 3_000
BUDGETED = {"discount_25": 40.0, "device_upgrade": 30.0, "technician_visit": 40.0}


def _customers(frame) -> CustomerBatch:
    fields = [c for c in frame.columns if c not in ("customer_id", "churn_score")]
    records = frame[fields].to_dict("records")
    return CustomerBatch(
        rows=np.arange(len(frame)),
        customer_ids=frame["customer_id"].tolist(),
        churn_scores=frame["churn_score"].to_numpy(),
        contexts=[tuple((k, r[k]) for k in fields) for r in records],
    )


def _within_budgets(choices: np.ndarray, accepts: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Each customer in file order keeps their offer while its budget (in the model's expected
    accepts, as the priced assignment counts them) has room; else no_action."""
    used = np.zeros(caps.shape)
    kept = choices.copy()
    for i, a in enumerate(choices):
        if used[a] + accepts[i, a] > caps[a]:
            kept[i] = 0
        else:
            used[a] += accepts[i, a]
    return kept


def test_the_priced_assignment_beats_random_and_rules_under_the_same_budgets(trained):
    world = campaign_world(N, 21)
    frame = customers_frame(world)
    customers = _customers(frame)
    source = ModelSource(trained.policy, trained.params, trained.data, 1, 0)
    scorer = CampaignScorer(source.build(), DEFAULT_OFFERS, reward_mode=RewardMode.ACCEPTANCE,
                            reward_scale=100.0, channel=None, now=utc_now())  # fmt: skip
    scores, _ = scored(scorer, customers, seed=1)
    ids = [o.id for o in DEFAULT_OFFERS]
    caps = np.array([BUDGETED.get(o, np.inf) for o in ids])
    truth = true_acceptance(world)
    rows = np.arange(N)

    priced = choose(
        scores.rewards, scores.accepts, solve(scores.rewards, scores.accepts, caps).prices
    )
    rng = np.random.default_rng(8)
    random = _within_budgets(rng.integers(0, len(ids), N), scores.accepts, caps)
    rules_policy = policies.get("rules", rng=rng)
    candidates = [Candidate(o.id, o.category, o.features) for o in DEFAULT_OFFERS]
    preferred = np.array([
        int(np.argmax(rules_policy.rank(Context(float(c), ctx), candidates).probabilities))
        for c, ctx in zip(customers.churn_scores, customers.contexts, strict=True)
    ])  # fmt: skip
    rules = _within_budgets(preferred, scores.accepts, caps)

    value = {name: truth[rows, chosen].sum() for name, chosen in
             (("priced", priced), ("random", random), ("rules", rules))}  # fmt: skip
    assert value["priced"] > 1.5 * value["random"], value
    assert value["priced"] > 2.0 * value["rules"], value
    for a, cap in enumerate(caps):
        if np.isfinite(cap):  # every assignment kept the budgets as the model counts them
            for chosen in (priced, random, rules):
                assert scores.accepts[chosen == a, a].sum() <= cap + 1e-9
