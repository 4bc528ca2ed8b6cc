"""A batch's assignments as what is kept: logged decisions, assignment rows, output rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import orjson
import pyarrow as pa

from nba.campaigns.batches import Assigned
from nba.domain import Offer

OUTPUT_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("offer_id", pa.string()),
        ("propensity", pa.float64()),
        ("expected_reward", pa.float64()),
        ("holdout", pa.bool_()),
        ("expected_accepts", pa.float64()),
        ("explored", pa.bool_()),
        ("row", pa.int64()),
        ("decision_id", pa.string()),
    ]
)
"""The output file's columns: the contract's five first, then what helps to follow one up."""


def decision_rows(
    assigned: Assigned,
    offers: Sequence[Offer],
    *,
    now: datetime,
    channel: str | None,
    policy: str,
    model_version: int | None,
) -> list[dict[str, object]]:
    """One `decisions` row per customer, JSON encoded (`storage.campaigns.add_encoded_decisions`):
    the eligible offers, the design's probabilities over them, their scores, the choice."""
    snapshots = [
        {"offer_id": o.id, "version": o.version, "category": o.category,
         "features": dict(o.features)}
        for o in offers
    ]  # fmt: skip
    a, s, c = assigned.assignments, assigned.scores, assigned.customers
    eligible_json: dict[bytes, tuple[list[int], str]] = {}
    probabilities = a.probabilities.tolist()
    rewards = s.rewards.tolist()
    chosen = a.chosen.tolist()
    propensity = a.propensity.tolist()
    churn = c.churn_scores.tolist()
    rows: list[dict[str, object]] = []
    for i in range(c.size):
        mask = s.eligible[i]
        key = mask.tobytes()
        if key not in eligible_json:
            columns = np.flatnonzero(mask).tolist()
            eligible_json[key] = (columns, orjson.dumps([snapshots[j] for j in columns]).decode())
        columns, eligible = eligible_json[key]
        p, r = probabilities[i], rewards[i]
        offer = offers[chosen[i]]
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "ts": now,
                "customer_id": c.customer_ids[i],
                "churn_score": churn[i],
                "context": orjson.dumps(dict(c.contexts[i])).decode(),
                "channel": channel,
                "eligible": eligible,
                "probabilities": orjson.dumps([p[j] for j in columns]).decode(),
                "scores": orjson.dumps([r[j] for j in columns]).decode(),
                "chosen": offer.id,
                "chosen_version": offer.version,
                "propensity": propensity[i],
                "policy": policy,
                "model_version": model_version,
                "excluded": None,
            }
        )
    return rows


def assignment_rows(
    campaign_id: str, assigned: Assigned, decisions: Sequence[Mapping[str, object]]
) -> list[dict[str, object]]:
    """The `campaign_assignments` rows of the batch (decisions in the customers' order)."""
    a, c = assigned.assignments, assigned.customers
    return [
        {
            "campaign_id": campaign_id,
            "customer_id": c.customer_ids[i],
            "row": int(c.rows[i]),
            "decision_id": d["id"],
            "offer_id": d["chosen"],
            "holdout": bool(a.holdout[i]),
            "propensity": float(a.propensity[i]),
            "expected_reward": float(a.expected_reward[i]),
            "expected_accepts": float(a.expected_accepts[i]),
        }
        for i, d in enumerate(decisions)
    ]


def output_table(assigned: Assigned, decisions: Sequence[Mapping[str, object]]) -> pa.Table:
    """The batch's rows of the output file."""
    a, c = assigned.assignments, assigned.customers
    return pa.table(
        {
            "customer_id": c.customer_ids,
            "offer_id": [d["chosen"] for d in decisions],
            "propensity": a.propensity,
            "expected_reward": a.expected_reward,
            "holdout": a.holdout,
            "expected_accepts": a.expected_accepts,
            "explored": a.explored,
            "row": c.rows,
            "decision_id": [d["id"] for d in decisions],
        },
        schema=OUTPUT_SCHEMA,
    )
