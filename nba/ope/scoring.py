"""A policy's probabilities on logged decisions: the `action_dist` that `evaluate` reads.

This is the one way nba scores a log with a `policies` policy: `nba evaluate`, evaluation
jobs, the model registry and the apprentice gate all call `score`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from nba.ope.batch import FloatArray
from nba.ope.logs import LoggedData

if TYPE_CHECKING:
    from policies.base import Candidate, Features, Policy

Progress = Callable[[int], None]
"""progress(rows): called as rows are scored, with the number of rows just done."""

_RANK_ONLY_BLOCK = 256


def score(
    policy: Policy,
    data: LoggedData,
    *,
    categories: Mapping[str, str] | None = None,
    learn_every: int | None = None,
    reward_scale: float = 1.0,
    progress: Progress | None = None,
) -> FloatArray:
    """The policy's probabilities on every logged row: (n, len(data.offer_ids)), rows sum to 1.

    Each row offers the policy its logged offer snapshots when `data` has them (decisions
    from the database), else its eligible offer ids with their category from `categories`
    (the id itself when unknown) and no features. With `learn_every` None the policy only
    ranks. With `learn_every=k` it is trained by progressive validation: rows in time order,
    each block of k rows is scored, then learned (logged propensity, reward times
    `reward_scale`), so no row is scored by a model that saw it.
    """
    # Imported here: `policies` loads Vowpal Wabbit, and nba.ope stays quick to import.
    from policies.base import Context, Event

    cats = dict(categories or {})
    order = np.argsort(_times(data.frame), kind="stable") if learn_every else np.arange(data.n)
    step = max(1, int(learn_every)) if learn_every else _RANK_ONLY_BLOCK
    contexts = data.contexts()
    column_of = {o: j for j, o in enumerate(data.offer_ids)}
    dist = np.zeros((data.n, len(data.offer_ids)))
    for start in range(0, data.n, step):
        events = []
        for i in order[start : start + step]:
            offers = _offers(data, int(i), cats)
            context = Context(float(data.churn_score[i]), _features(contexts[i]))
            ranking = policy.rank(context, offers)
            for offer_id, p in zip(ranking.offer_ids, ranking.probabilities, strict=True):
                dist[i, column_of[offer_id]] = p
            if learn_every:
                chosen = [o.offer_id for o in offers].index(data.offer_ids[data.action[i]])
                reward = float(data.reward[i]) * reward_scale
                events.append(Event(context, offers, chosen, float(data.pscore[i]), reward))
        if events:
            policy.learn(events)
        if progress is not None:
            progress(len(order[start : start + step]))
    return dist / dist.sum(axis=1, keepdims=True)


def _offers(data: LoggedData, row: int, categories: Mapping[str, str]) -> tuple[Candidate, ...]:
    from policies.base import Candidate

    if data.offer_snapshots is not None:
        return tuple(
            Candidate(e.offer_id, e.category, e.features) for e in data.offer_snapshots[row]
        )
    return tuple(
        Candidate(o, categories.get(o, o))
        for o, ok in zip(data.offer_ids, data.eligible[row], strict=True)
        if ok
    )


def _features(context: Mapping[str, object]) -> Features:
    from policies.base import freeze_features

    kept = {}
    for key, value in context.items():
        if isinstance(value, bool | int | str) or (
            isinstance(value, float) and math.isfinite(value)
        ):
            kept[str(key)] = value
    return freeze_features(kept)


def _times(frame: pd.DataFrame) -> npt.NDArray[np.generic]:
    """A sort key in log time order: the timestamps, or the row order when one is missing."""
    if "ts" not in frame.columns or frame["ts"].isna().any():
        return np.arange(len(frame))
    return pd.to_datetime(frame["ts"], utc=True).to_numpy()
