"""Vowpal Wabbit DSJSON logs (contextual bandit, `--cb_explore_adf`) as decision-log frames.

One JSON object per line: `_label_cost` (reward = -cost; absent while no outcome came),
`_label_probability` (propensity), `_labelIndex` (0-based index of the chosen action in
`c._multi`; `_label_Action` is the same, 1-based), `a` (1-based action indices, chosen first),
`p` (probabilities in the order of `a`), `c` (the shared context; `c._multi` lists the
actions), `EventId`, `Timestamp`. An action's offer id is its `offer_id` or `id` field,
looked for at the top of the action object and one namespace down, else `action_<k>`.
Lines without `c` (VW's separate outcome lines) are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nba.errors import InvalidInput
from nba.logschema import COLUMNS

_ID_KEYS = ("offer_id", "id")


def read_dsjson(path: str | Path) -> pd.DataFrame:
    """Read a DSJSON file into the decision-log columns of nba.logschema."""
    rows = []
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError as error:
                raise InvalidInput("log", f"line {number}: not JSON ({error})") from None
            if isinstance(event, dict) and "c" in event:
                rows.append(_row(event, number))
    if not rows:
        raise InvalidInput("log", f"{path}: no decision lines (objects with 'c')")
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_dsjson(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a decision-log frame as DSJSON (each eligible offer an action with its id)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in frame.to_dict(orient="records"):
            eligible = [str(o) for o in record["eligible"]]
            probabilities = [float(p) for p in record["probabilities"]]
            chosen = eligible.index(str(record["offer_id"]))
            order = [chosen, *(i for i in range(len(eligible)) if i != chosen)]
            context = record.get("context")
            shared = json.loads(context) if isinstance(context, str) and context else {}
            event: dict[str, object] = {
                "_label_probability": float(record["propensity"]),
                "_label_Action": chosen + 1,
                "_labelIndex": chosen,
                "Timestamp": pd.Timestamp(record["ts"]).isoformat(),
                "Version": "1",
                "EventId": str(record["decision_id"]),
                "a": [i + 1 for i in order],
                "c": {
                    "churn_score": float(record["churn_score"]),
                    "customer_id": str(record["customer_id"]),
                    **shared,
                    "_multi": [{"offer_id": o} for o in eligible],
                },
                "p": [probabilities[i] for i in order],
            }
            reward = record["reward"]
            if reward is not None and not pd.isna(reward):
                event = {"_label_cost": -float(reward), **event}
            out.write(json.dumps(event) + "\n")
    return path


def _row(event: dict, number: int) -> dict[str, object]:
    context = event["c"]
    actions = context.get("_multi") if isinstance(context, dict) else None
    if not isinstance(actions, list) or not actions:
        raise InvalidInput("c._multi", f"line {number}: must list the actions")
    offer_ids = [_offer_id(action, k) for k, action in enumerate(actions)]
    order = [int(i) - 1 for i in event.get("a", [])]
    probs = event.get("p", [])
    if len(order) != len(actions) or len(probs) != len(actions):
        raise InvalidInput("a", f"line {number}: 'a' and 'p' must have one entry per action")
    if sorted(order) != list(range(len(actions))):
        raise InvalidInput("a", f"line {number}: must be a permutation of 1..{len(actions)}")
    probabilities = [0.0] * len(actions)
    for index, p in zip(order, probs, strict=True):
        probabilities[index] = float(p)
    chosen = _chosen(event, order, number)
    cost = event.get("_label_cost")
    shared = {k: v for k, v in context.items() if k != "_multi"}
    churn = shared.pop("churn_score", _nested(shared, "churn_score"))
    reward = None if cost is None else -float(cost)
    return {
        "decision_id": str(event.get("EventId", f"line-{number}")),
        "ts": pd.Timestamp(event["Timestamp"]) if "Timestamp" in event else pd.NaT,
        "customer_id": str(shared.pop("customer_id", "")),
        "churn_score": float(churn) if churn is not None else 0.0,
        "context": json.dumps(shared),
        "eligible": offer_ids,
        "probabilities": probabilities,
        "offer_id": offer_ids[chosen],
        "propensity": float(event.get("_label_probability", probabilities[chosen])),
        "reward": reward,
        "accepted": None if reward is None else reward > 0,
        "policy": "vw-dsjson",
        "model_version": None,
    }


def _chosen(event: dict, order: list[int], number: int) -> int:
    if "_labelIndex" in event:
        return int(event["_labelIndex"])
    if "_label_Action" in event:
        return int(event["_label_Action"]) - 1
    if order:
        return order[0]
    raise InvalidInput("_labelIndex", f"line {number}: no chosen action")


def _offer_id(action: object, k: int) -> str:
    if isinstance(action, dict):
        for key in _ID_KEYS:
            if key in action:
                return str(action[key])
        found = _nested(action, *_ID_KEYS)
        if found is not None:
            return str(found)
    return f"action_{k}"


def _nested(mapping: dict, *keys: str) -> object:
    for value in mapping.values():
        if isinstance(value, dict):
            for key in keys:
                if key in value:
                    return value[key]
    return None
