"""A simulated retention log with a known uplift per offer and churn band.

Churn scores are uniform on [0, 1); a customer stays with probability 1 - churn score, plus the
offer's effect in the customer's band when an offer is made. Customer values are uniform on
[100, 300) (mean 200) and in the context. The logging policy is uniform over the four offers.
So the true uplift of "always X" over "always no_action" in a band is
200 * effect(X, band) - cost(X) * acceptance(X): the discount saves customers in the high band
(+40), the upsell is a sleeping dog in the low band (-41.5).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from nba.domain import Decision, EligibleOffer, Feedback, FeedbackKind
from nba.logschema import COLUMNS
from nba.storage import Database
from nba.storage.decisions import RETENTION_COLUMNS, add_decisions
from nba.storage.feedback import add_answers

OFFERS = ("discount", "loyalty", "no_action", "upsell")
CATEGORY = {"discount": "discount", "loyalty": "loyalty", "no_action": "none", "upsell": "upsell"}
COST = {"discount": 20.0, "loyalty": 2.0, "no_action": 0.0, "upsell": 5.0}
ACCEPT = {"discount": 0.5, "loyalty": 0.4, "no_action": 0.0, "upsell": 0.3}
EFFECT = {
    ("discount", "high"): 0.25,
    ("discount", "medium"): 0.10,
    ("upsell", "low"): -0.20,
    ("upsell", "high"): -0.05,
}
MEAN_VALUE = 200.0
START = datetime(2026, 6, 1, tzinfo=UTC)
CATALOG = [
    {"id": o, "name": o.title(), "category": CATEGORY[o], "cost": COST[o]}
    for o in OFFERS
    if o != "no_action"
]
"""The world's offers as catalog specs (`runtime.catalog.add`)."""


def band_of(churn_score: float) -> str:
    return "low" if churn_score < 0.3 else "medium" if churn_score < 0.6 else "high"


def true_uplift(offer: str, band: str) -> float:
    """The uplift of always offering `offer` over no_action in `band`, per customer."""
    return MEAN_VALUE * EFFECT.get((offer, band), 0.0) - COST[offer] * ACCEPT[offer]


@dataclass(frozen=True)
class WorldRow:
    decision_id: str
    ts: datetime
    churn_score: float
    value: float
    offer_id: str
    accepted: bool
    retained: bool


def simulate(n: int, rng: np.random.Generator) -> list[WorldRow]:
    """`n` logged decisions of the world, a minute apart from START."""
    churn = rng.random(n)
    value = rng.uniform(100.0, 300.0, n)
    chosen = rng.integers(0, len(OFFERS), n)
    rows = []
    for i in range(n):
        offer = OFFERS[chosen[i]]
        band = band_of(churn[i])
        stay = min(1.0, max(0.0, 1.0 - churn[i] + EFFECT.get((offer, band), 0.0)))
        rows.append(
            WorldRow(
                decision_id=str(uuid.UUID(int=int(rng.integers(2**62)) * 4 + i % 4)),
                ts=START + timedelta(minutes=i),
                churn_score=float(churn[i]),
                value=round(float(value[i]), 2),
                offer_id=offer,
                accepted=bool(rng.random() < ACCEPT[offer]),
                retained=bool(rng.random() < stay),
            )
        )
    return rows


def world_frame(rows: list[WorldRow]) -> pd.DataFrame:
    """The rows as `nba.storage.retention_frame` gives them: the log's columns and the
    retention answers (reported), with each chosen offer's cost."""
    p = 1.0 / len(OFFERS)
    return pd.DataFrame(
        {
            "decision_id": [r.decision_id for r in rows],
            "ts": pd.to_datetime([r.ts for r in rows], utc=True),
            "customer_id": [f"c{i}" for i in range(len(rows))],
            "churn_score": [r.churn_score for r in rows],
            "context": [f'{{"customer_value": {r.value}}}' for r in rows],
            "eligible": [list(OFFERS) for _ in rows],
            "probabilities": [[p] * len(OFFERS) for _ in rows],
            "offer_id": [r.offer_id for r in rows],
            "propensity": [p] * len(rows),
            "reward": [float("nan")] * len(rows),
            "accepted": pd.array([r.accepted for r in rows], dtype="boolean"),
            "policy": ["uniform"] * len(rows),
            "model_version": pd.array([None] * len(rows), dtype="Int64"),
            "retained": [r.retained for r in rows],
            "customer_value": [r.value for r in rows],
            "chosen_cost": [COST[r.offer_id] for r in rows],
            "retention_source": ["reported"] * len(rows),
        }
    )[[*COLUMNS, *RETENTION_COLUMNS]]


def store_world(
    database: Database, rows: list[WorldRow], retention_source: str = "reported"
) -> None:
    """Log the rows as decisions with their outcomes and retention answers (one transaction);
    `retention_source` "default" records the answers as the defaults job would."""
    p = 1.0 / len(OFFERS)
    eligible = tuple(EligibleOffer(o, 1, CATEGORY[o]) for o in OFFERS)
    with database.session() as session:
        add_decisions(
            session,
            [
                Decision(
                    id=r.decision_id, ts=r.ts, customer_id=f"c-{r.decision_id[:8]}",
                    churn_score=r.churn_score, context=(("customer_value", r.value),),
                    channel="app", eligible=eligible, probabilities=(p,) * len(OFFERS),
                    scores=(0.0,) * len(OFFERS), chosen=r.offer_id, propensity=p,
                    policy="uniform", model_version=None,
                )
                for r in rows
            ],
        )  # fmt: skip
        add_answers(
            session,
            [
                Feedback(kind, r.decision_id, answer, value, r.ts + timedelta(hours=1),
                         source, 0.0)
                for r in rows
                for kind, answer, value, source in (
                    (FeedbackKind.ACCEPTANCE, r.accepted, None, "reported"),
                    (FeedbackKind.RETENTION, r.retained, r.value, retention_source),
                )
            ],
        )  # fmt: skip
