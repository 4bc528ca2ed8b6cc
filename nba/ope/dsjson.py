"""Vowpal Wabbit DSJSON logs (contextual bandit, `--cb_explore_adf`) as decision-log frames.

One JSON object per line: `_label_cost` (reward = -cost; absent while no outcome came),
`_label_probability` (propensity), `_labelIndex` (0-based index of the chosen action in
`c._multi`; `_label_Action` is the same, 1-based), `a` (1-based action indices, chosen first),
`p` (probabilities in the order of `a`), `c` (the shared context; `c._multi` lists the
actions), `EventId`, `Timestamp`. An action's offer id is its `_tag`, else its `id` or
`offer_id` field, looked for at the top of the action object and one namespace down, else
`action_<k>`. Lines without `c` (VW's separate outcome lines) are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nba.errors import InvalidInput
from nba.logschema import COLUMNS
from nba.personalizer.dsjson import DsjsonEvent, read_events

_ID_KEYS = ("offer_id", "id")


def read_dsjson(path: str | Path) -> pd.DataFrame:
    """Read a DSJSON file into the decision-log columns of nba.logschema.

    Lines are read by `nba.personalizer.dsjson` (Decision Service quirks included: repeated
    `_tag`s, `pdrop`, `_skipLearn`, outcomes in `o`, the older top-level `_multi` form).
    """
    rows = [_row(event) for event in read_events(path)]
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


def _row(event: DsjsonEvent) -> dict[str, object]:
    shared: dict[str, object] = {}
    for features in event.context:
        shared.update(features)
    churn = shared.pop("churn_score", _nested(shared, "churn_score"))
    offer_ids = [action_id for action_id, _ in event.actions]
    reward = event.reward
    return {
        "decision_id": event.event_id,
        "ts": pd.Timestamp(event.timestamp) if event.timestamp is not None else pd.NaT,
        "customer_id": str(shared.pop("customer_id", "")),
        "churn_score": float(churn) if isinstance(churn, int | float) else 0.0,
        "context": json.dumps(shared),
        "eligible": offer_ids,
        "probabilities": list(event.probabilities),
        "offer_id": offer_ids[event.chosen],
        "propensity": event.propensity,
        "reward": reward,
        "accepted": None if reward is None else reward > 0,
        "policy": "vw-dsjson",
        "model_version": None,
    }


def _nested(mapping: dict, *keys: str) -> object:
    for value in mapping.values():
        if isinstance(value, dict):
            for key in keys:
                if key in value:
                    return value[key]
    return None
