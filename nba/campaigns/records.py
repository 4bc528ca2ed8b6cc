"""A batch's assignments as what is kept: logged decisions, assignment rows, output rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
        ("contact_rule", pa.string()),
        ("excluded", pa.string()),
    ]
)
"""The output file's columns: the contract's five first, then what helps to follow one up.

`contact_rule` names the contact rule that held offers back from the customer (suppressed,
quiet_hours, contact_limit, cooldown; empty: none), `excluded` lists those offers with why,
as JSON (`[{"offer_id": ..., "reason": ...}]`), as the decision records them.
"""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a batch leaves: its decision rows (JSON encoded, no `ts` yet) and output rows.

    Built where the batch ran (a Dask worker too), so that the process that logs only
    writes: it stamps the time and inserts.
    """

    decisions: list[dict[str, object]]
    output: pa.Table


def recorded(
    assigned: Assigned,
    offers: Sequence[Offer],
    *,
    channel: str | None,
    policy: str,
    model_version: int | None,
) -> Recorded:
    """The batch's decision rows and output rows."""
    rows = decision_rows(
        assigned, offers, channel=channel, policy=policy, model_version=model_version
    )
    return Recorded(rows, output_table(assigned, rows))


def decision_rows(
    assigned: Assigned,
    offers: Sequence[Offer],
    *,
    channel: str | None,
    policy: str,
    model_version: int | None,
) -> list[dict[str, object]]:
    """One `decisions` row per customer, JSON encoded (`storage.campaigns.add_encoded_decisions`)
    but for `ts`: the eligible offers, the design's probabilities over them, their scores."""
    snapshots = [
        {"offer_id": o.id, "version": o.version, "category": o.category,
         "features": dict(o.features)}
        for o in offers
    ]  # fmt: skip
    a, s, c = assigned.assignments, assigned.scores, assigned.customers
    version = {o.id: o.version for o in offers}
    held = assigned.held.reasons
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
                "excluded": _excluded_json(held[i], version) if held[i] else None,
            }
        )
    return rows


def _excluded_json(reasons: Mapping[str, str], version: Mapping[str, int]) -> str:
    """The decision's `excluded` (`storage._json.excluded_to_json`'s form), as JSON text."""
    return orjson.dumps(
        [{"offer_id": o, "version": version[o], "reason": why} for o, why in reasons.items()]
    ).decode()


def assignment_rows(output: pa.Table) -> list[dict[str, object]]:
    """The `campaign_assignments` rows of a batch (but the campaign), from its output rows."""
    columns = ("customer_id", "row", "decision_id", "offer_id", "holdout", "propensity",
               "expected_reward", "expected_accepts")  # fmt: skip
    values = [output.column(c).to_pylist() for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def output_table(assigned: Assigned, decisions: Sequence[Mapping[str, object]]) -> pa.Table:
    """The batch's rows of the output file."""
    a, c, held = assigned.assignments, assigned.customers, assigned.held
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
            "contact_rule": held.rules,
            "excluded": [
                orjson.dumps([{"offer_id": o, "reason": why} for o, why in r.items()]).decode()
                if r
                else None
                for r in held.reasons
            ],
        },
        schema=OUTPUT_SCHEMA,
    )
