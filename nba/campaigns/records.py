"""A batch's assignments as what is kept: logged decisions, assignment rows, output rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pyarrow as pa

from nba.campaigns.batches import Assigned
from nba.domain import Decision, EligibleOffer, Offer

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


def decisions_of(
    assigned: Assigned,
    offers: Sequence[Offer],
    *,
    now: datetime,
    channel: str | None,
    policy: str,
    model_version: int | None,
) -> list[Decision]:
    """One decision per customer: the eligible offers, the design's probabilities, the scores."""
    snapshots = [EligibleOffer(o.id, o.version, o.category, o.features) for o in offers]
    a, s, c = assigned.assignments, assigned.scores, assigned.customers
    out: list[Decision] = []
    probabilities = a.probabilities.tolist()
    rewards = s.rewards.tolist()
    chosen = a.chosen.tolist()
    for i in range(c.size):
        columns = np.flatnonzero(s.eligible[i]).tolist()
        p = probabilities[i]
        out.append(
            Decision(
                id=str(uuid.uuid4()),
                ts=now,
                customer_id=c.customer_ids[i],
                churn_score=float(c.churn_scores[i]),
                context=c.contexts[i],
                channel=channel,
                eligible=tuple(snapshots[j] for j in columns),
                probabilities=tuple(p[j] for j in columns),
                scores=tuple(rewards[i][j] for j in columns),
                chosen=offers[chosen[i]].id,
                propensity=p[chosen[i]],
                policy=policy,
                model_version=model_version,
            )
        )
    return out


def assignment_rows(
    campaign_id: str, assigned: Assigned, decisions: Sequence[Decision]
) -> list[dict[str, object]]:
    """The `campaign_assignments` rows of the batch (decisions in the customers' order)."""
    a, c = assigned.assignments, assigned.customers
    return [
        {
            "campaign_id": campaign_id,
            "customer_id": c.customer_ids[i],
            "row": int(c.rows[i]),
            "decision_id": d.id,
            "offer_id": d.chosen,
            "holdout": bool(a.holdout[i]),
            "propensity": float(a.propensity[i]),
            "expected_reward": float(a.expected_reward[i]),
            "expected_accepts": float(a.expected_accepts[i]),
        }
        for i, d in enumerate(decisions)
    ]


def output_table(assigned: Assigned, decisions: Sequence[Decision]) -> pa.Table:
    """The batch's rows of the output file."""
    a, c = assigned.assignments, assigned.customers
    return pa.table(
        {
            "customer_id": c.customer_ids,
            "offer_id": [d.chosen for d in decisions],
            "propensity": a.propensity,
            "expected_reward": a.expected_reward,
            "holdout": a.holdout,
            "expected_accepts": a.expected_accepts,
            "explored": a.explored,
            "row": c.rows,
            "decision_id": [d.id for d in decisions],
        },
        schema=OUTPUT_SCHEMA,
    )
