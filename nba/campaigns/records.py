"""A batch's assignments as what is kept: logged decisions, assignment rows, output rows."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa

from nba.campaigns.batches import Assigned
from nba.domain import Offer

FloatArray = npt.NDArray[np.float64]

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
    n = c.size
    if n == 0:
        return []
    eligible = [""] * n
    probabilities = [""] * n
    scores = [""] * n
    # Rows that share their eligible offers are encoded together, a matrix per call.
    masks, group = np.unique(s.eligible, axis=0, return_inverse=True)
    for g, mask in enumerate(masks):
        rows_in = np.flatnonzero(group.reshape(-1) == g)
        columns = np.flatnonzero(mask)
        snapshot = orjson.dumps([snapshots[j] for j in columns.tolist()]).decode()
        p_texts = _row_texts(a.probabilities[np.ix_(rows_in, columns)])
        s_texts = _row_texts(s.rewards[np.ix_(rows_in, columns)])
        for i, p_text, s_text in zip(rows_in.tolist(), p_texts, s_texts, strict=True):
            eligible[i], probabilities[i], scores[i] = snapshot, p_text, s_text
    chosen = a.chosen.tolist()
    propensity = a.propensity.tolist()
    churn = c.churn_scores.tolist()
    ids = decision_ids(n)
    rows: list[dict[str, object]] = []
    for i in range(n):
        offer = offers[chosen[i]]
        rows.append(
            {
                "id": ids[i],
                "customer_id": c.customer_ids[i],
                "churn_score": churn[i],
                "context": orjson.dumps(dict(c.contexts[i])).decode(),
                "channel": channel,
                "eligible": eligible[i],
                "probabilities": probabilities[i],
                "scores": scores[i],
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


def _row_texts(matrix: FloatArray) -> list[str]:
    """Each row of a 2-D float array as the JSON list orjson writes for it, from one call."""
    if matrix.shape[0] == 0:
        return []
    if matrix.shape[1] == 0:
        return ["[]"] * matrix.shape[0]
    text = orjson.dumps(np.ascontiguousarray(matrix), option=orjson.OPT_SERIALIZE_NUMPY).decode()
    return [f"[{row}]" for row in text[2:-2].split("],[")]


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UUID_GROUPS = ((0, 8), (9, 13), (14, 18), (19, 23), (24, 36))
"""Where the hex digits of a UUID go in its 36 characters (the rest are dashes)."""


def decision_ids(n: int) -> list[str]:
    """`n` new decision ids, UUIDs of version 7 (RFC 9562: the time in ms, then 74 random
    bits), in increasing order.

    Random (version 4) ids put each decision in a random page of the log's id indexes, so a
    batch of 20,000 rewrote most of those pages once the log held a million rows; ids that
    follow each other are appended. Made at once from one `os.urandom` call (Python 3.11's
    uuid module has no version 7; `uuid.uuid4()` per id took 3.5 us).
    """
    raw = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, :6] = np.frombuffer((time.time_ns() // 1_000_000).to_bytes(6, "big"), np.uint8)
    raw[:, 6] = 0x70 | (raw[:, 6] & 0x0F)  # version 7
    raw[:, 8] = 0x80 | (raw[:, 8] & 0x3F)  # the RFC's variant
    halves = raw.view(">u8")
    raw = raw[np.lexsort((halves[:, 1], halves[:, 0]))]
    return _uuid_texts(raw)


def _uuid_texts(raw: npt.NDArray[np.uint8]) -> list[str]:
    """(n, 16) bytes as n UUIDs in their 8-4-4-4-12 text form."""
    n = len(raw)
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2] = _HEX[raw >> 4]
    digits[:, 1::2] = _HEX[raw & 0x0F]
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    start = 0
    for begin, end in _UUID_GROUPS:
        text[:, begin:end] = digits[:, start : start + end - begin]
        start += end - begin
    joined = text.tobytes().decode("ascii")
    return [joined[i : i + 36] for i in range(0, 36 * n, 36)]


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
