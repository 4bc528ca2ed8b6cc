"""Retention as the reward against acceptance as the reward, on a small churn world.

Run: `python benchmarks/retention_reward.py [N]` (N decisions per reward mode, default 4000).
The simulator has no churn outcome yet, so this script carries its own ground truth: a
customer's 90-day churn probability is their churn score; an accepted offer multiplies it by
the offer's `keep` factor; customer value is 100. The big discount is accepted most often but
saves few customers (sure things take it), loyalty is accepted less but keeps more. Outcomes
are reported at once; the retention answer `delay` decisions later (weeks, in a live
system). Net value per decision = retained x 100 - cost if accepted, over the last half.
"""

from __future__ import annotations

import sys
import tempfile
from collections import deque
from pathlib import Path

import numpy as np

from nba.config import Settings
from nba.inputs import DecisionRequest, OutcomeReport
from nba.retention import RetentionReport
from nba.runtime import build_runtime

OFFERS = (
    {"id": "discount_25", "name": "25% off", "category": "discount", "cost": 25.0,
     "features": {"pct": 25}},
    {"id": "loyalty", "name": "Loyalty perks", "category": "loyalty", "cost": 2.0,
     "features": {"points": 2000}},
    {"id": "device", "name": "Device upgrade", "category": "device", "cost": 40.0,
     "features": {"tier": "mid"}},
)  # fmt: skip
ACCEPT = {"discount_25": 0.55, "loyalty": 0.25, "device": 0.3, "no_action": 0.0}
KEEP = {"discount_25": 0.9, "loyalty": 0.45, "device": 0.75, "no_action": 1.0}
VALUE = 100.0


def run(mode: str, n: int, seed: int = 3, delay: int = 300) -> dict[str, float]:
    """Net value per decision and offer shares over the second half, for one reward mode."""
    folder = Path(tempfile.mkdtemp())
    settings = Settings(database_url=f"sqlite:///{folder / 'nba.db'}", data_dir=folder,
                        seed=seed, reward_mode=mode, evaluate_versions=False)  # fmt: skip
    runtime = build_runtime(settings)
    for spec in OFFERS:
        runtime.catalog.add(spec)
    rng = np.random.default_rng(seed)
    waiting: deque[tuple[str, bool]] = deque()
    net, chosen = [], []
    for i in range(n):
        churn = float(rng.uniform(0.2, 0.8))
        d = runtime.service.decide(DecisionRequest(f"c{i}", churn, (("plan", "gold"),))).decision
        accepted = bool(rng.random() < ACCEPT[d.chosen])
        runtime.service.record_outcome(OutcomeReport(d.id, accepted))
        risk = churn * (KEEP[d.chosen] if accepted else 1.0)
        retained = bool(rng.random() > risk)
        waiting.append((d.id, retained))
        if len(waiting) > delay:
            decision_id, kept = waiting.popleft()
            runtime.service.record_retention(RetentionReport(decision_id, kept, VALUE))
        cost = next((o["cost"] for o in OFFERS if o["id"] == d.chosen), 0.0)
        net.append(retained * VALUE - (cost if accepted else 0.0))
        chosen.append(d.chosen)
        if i % 250 == 249:
            runtime.save_model()
    runtime.close()
    half = slice(n // 2, n)
    shares = {o: chosen[half].count(o) / len(chosen[half]) for o in ACCEPT}
    return {"net_value": float(np.mean(net[half])), **shares}


def main() -> None:
    """Print net value per decision and offer shares for both reward modes."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    for mode in ("acceptance", "retention_value"):
        found = run(mode, n)
        shares = " ".join(f"{k}={v:.2f}" for k, v in found.items() if k != "net_value")
        print(f"{mode:16s} net value/decision {found['net_value']:6.2f}   shares {shares}")


if __name__ == "__main__":
    main()
