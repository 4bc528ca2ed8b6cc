"""Write vw_nba_v1.bin / .json: a small VWPolicy model in the `nba-vw/1` format and its ranking.

Run once, with the code of commit cebc897 (before VWPolicy was split into policies/vw/):
`PYTHONPATH=. python tests/unit/policies/data/make_vw_nba_v1.py tests/unit/policies/data`.
test_policy_vw.py loads the bytes with the current code and expects the recorded ranking.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

import policies
from policies import Candidate, Context, Event, freeze_features

OFFERS = (
    Candidate("discount_10", "discount", freeze_features({"discount_pct": 10})),
    Candidate("loyalty", "loyalty", freeze_features({"points": 500})),
    Candidate("no_action", "none"),
)
NEW = Candidate("streaming", "loyalty", freeze_features({"months_free": 3}))


def main(out: Path) -> None:
    """Learn 60 events of three offers, then 10 with a fourth (a new offer, floored), and save."""
    rng = np.random.default_rng(7)

    def context(i: int) -> Context:
        churn_score = float(rng.uniform())
        features = {"segment": "AB"[i % 2], "tenure_months": int(rng.integers(1, 60))}
        return Context(churn_score, freeze_features(features))

    policy = policies.get("vw", rng=np.random.default_rng(3), cold_start_tries=40, bits=12)
    events = []
    for i in range(60):
        chosen = int(rng.integers(3))
        events.append(Event(context(i), OFFERS, chosen, 1 / 3, float(chosen == i % 2)))
    for i in range(10):
        chosen = int(rng.integers(4))
        events.append(Event(context(i), (*OFFERS, NEW), chosen, 0.25, float(rng.random() < 0.3)))
    policy.learn(events)
    (out / "vw_nba_v1.bin").write_bytes(policy.save())
    asked = Context(0.7, freeze_features({"segment": "A", "tenure_months": 12}))
    candidates = (*OFFERS, NEW)
    ranking = policy.rank(asked, candidates)
    expected = {
        "policy": policy.name,
        "params": policy.params,
        "context": {"churn_score": asked.churn_score, "features": dict(asked.features)},
        "candidates": [
            {"offer_id": c.offer_id, "category": c.category, "features": dict(c.features)}
            for c in candidates
        ],
        "probabilities": list(ranking.probabilities),
        "scores": list(ranking.scores),
    }
    (out / "vw_nba_v1.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
