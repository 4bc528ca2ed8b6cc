"""A decision log (nba.logschema columns) as OPE arrays over one global index of offers.

Each row's `eligible` list varies, so every offer id seen anywhere (eligible or chosen) gets a
column, in sorted order; `logging_dist[i]` holds row i's logged `probabilities` on its own
eligible offers and 0 elsewhere, and `eligible[i]` marks those columns. Rows are checked at
once and errors name the field, the row positions and their decision ids. A log comes from a
file or the export (`from_frame`) or from stored decisions (`from_decisions`). Both keep each
row's offer snapshots (category, features) when they have them, so that rules know each
offer's category and a policy scores the offers with the features it saw: the export carries
them in `nba.logschema.OFFER_COLUMNS`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, SupportsFloat, SupportsIndex

import numpy as np
import numpy.typing as npt
import pandas as pd

from nba.domain import EligibleOffer
from nba.errors import InvalidInput
from nba.logschema import COLUMNS, OFFER_COLUMNS, read_log
from nba.ope.batch import SUM_TOLERANCE, FloatArray, IntArray, bad_rows_message

if TYPE_CHECKING:
    from nba.domain import Decision

BAND_EDGES = (0.3, 0.6)
BANDS = ("low", "medium", "high")
"""Churn bands as the rules baseline uses them: low < 0.3 <= medium < 0.6 <= high."""

MissingReward = Literal["drop", "default"]
REQUIRED = ("decision_id", "churn_score", "eligible", "probabilities", "offer_id", "propensity")


@dataclass(frozen=True, slots=True, eq=False)
class LoggedData:
    """The kept rows of a decision log and their arrays; column j of the (n, n_offers) arrays
    is `offer_ids[j]`.

    `offer_snapshots[i]` is row i's logged eligible offers (category, features) when the log
    has them (stored decisions, exports); None for logs whose rows name the offers only.
    """

    frame: pd.DataFrame
    offer_ids: tuple[str, ...]
    action: IntArray
    pscore: FloatArray
    reward: FloatArray
    logging_dist: FloatArray
    eligible: npt.NDArray[np.bool_]
    churn_score: FloatArray
    offer_snapshots: tuple[tuple[EligibleOffer, ...], ...] | None = None

    @property
    def n(self) -> int:
        """Number of kept rows."""
        return int(self.action.shape[0])

    def categories(self) -> dict[str, str]:
        """Each offer's category as the log's snapshots give it (the latest row's); empty when
        the log has no snapshots."""
        found: dict[str, str] = {}
        for row in self.offer_snapshots or ():
            for offer in row:
                found[offer.offer_id] = offer.category
        return found

    def bands(self) -> npt.NDArray[np.str_]:
        """The churn band name of each row."""
        return np.asarray(BANDS)[np.digitize(self.churn_score, BAND_EDGES)]

    def contexts(self) -> list[dict[str, object]]:
        """Each row's context fields (`context` JSON text, or `ctx_*` columns)."""
        return _contexts(self.frame)

    def feature_table(self) -> pd.DataFrame:
        """The churn score and context fields of each row (`nba.ope.features`)."""
        from nba.ope.features import context_table

        return context_table(self.contexts(), self.churn_score)

    def features(self) -> FloatArray:
        """Numeric features of the reward model: churn score, numeric and one-hot context fields
        (see `nba.ope.features`)."""
        from nba.ope.features import encode, plan_of

        table = self.feature_table()
        return encode(table, plan_of(table))


def read_decision_log(path: str | Path) -> pd.DataFrame:
    """Read a decision log by suffix: Parquet (default), CSV, or VW DSJSON (.json, .dsjson)."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput("log", f"no such file: {path}")
    if path.suffix in (".json", ".dsjson", ".jsonl"):
        from nba.ope.dsjson import read_dsjson

        return read_dsjson(path)
    return read_log(path)


def from_frame(
    frame: pd.DataFrame,
    missing_reward: MissingReward = "drop",
    default_reward: float = 0.0,
    offer_ids: Sequence[str] | None = None,
) -> LoggedData:
    """Check a decision log and build its arrays.

    Rows whose reward is null are dropped (`missing_reward="drop"`) or given
    `default_reward` ("default"). Raises InvalidInput naming the field and rows for: missing
    columns, eligible / probabilities of different lengths, repeated offers in a row,
    probabilities not summing to 1, a chosen offer not among the eligible ones, propensity
    outside (0, 1] or different from the logged probability of the chosen offer.
    `offer_ids` fixes the columns (a part of a log takes the whole log's; see `offer_ids_of`);
    by default they are the offers this frame names.
    """
    missing = [c for c in (*REQUIRED, "reward") if c not in frame.columns]
    if missing:
        raise InvalidInput("log", f"lacks columns {missing}; see nba.logschema.COLUMNS")
    if missing_reward not in ("drop", "default"):
        raise InvalidInput("missing_reward", f"must be 'drop' or 'default', got {missing_reward!r}")
    frame = frame.reset_index(drop=True)
    reward = pd.to_numeric(frame["reward"], errors="coerce").to_numpy(dtype=np.float64)
    null = ~np.isfinite(reward)
    if missing_reward == "drop":
        frame = frame.loc[~null].reset_index(drop=True)
        reward = reward[~null]
    else:
        reward = np.where(null, default_reward, reward)
    if len(frame) == 0:
        raise InvalidInput("reward", "no row has a reward; nothing to evaluate")
    n = len(frame)
    eligible_lists = [_as_list(v) for v in frame["eligible"]]
    prob_lists = [_as_list(v) for v in frame["probabilities"]]
    lengths = np.array([len(e) for e in eligible_lists])
    _reject(
        frame,
        "probabilities",
        lengths != [len(p) for p in prob_lists],
        "must have one probability per eligible offer",
    )
    _reject(frame, "eligible", lengths == 0, "must list at least one offer")
    flat_ids = np.array([str(o) for e in eligible_lists for o in e], dtype=object)
    chosen = frame["offer_id"].astype("string").to_numpy(dtype=object)
    seen = set(flat_ids.tolist()) | set(chosen.tolist())
    if offer_ids is None:
        offer_ids = tuple(sorted(seen))
    elif not seen <= set(offer_ids):
        raise InvalidInput("offer_id", f"offers outside the log's: {sorted(seen - set(offer_ids))}")
    offer_ids = tuple(offer_ids)
    column = {offer: j for j, offer in enumerate(offer_ids)}
    k = len(offer_ids)
    rows = np.repeat(np.arange(n), lengths)
    cols = np.array([column[o] for o in flat_ids], dtype=np.int64)
    repeats = np.bincount(rows * k + cols, minlength=n * k).reshape(n, k).max(axis=1) > 1
    _reject(frame, "eligible", repeats, "lists an offer twice")
    probs = np.array([_number(p) for ps in prob_lists for p in ps], dtype=np.float64)
    bad = np.zeros(n, dtype=bool)
    np.logical_or.at(bad, rows, ~np.isfinite(probs) | (probs < 0) | (probs > 1))
    _reject(frame, "probabilities", bad, "must be finite and in [0, 1]")
    sums = np.bincount(rows, weights=probs, minlength=n)
    _reject(frame, "probabilities", np.abs(sums - 1) > SUM_TOLERANCE, "must sum to 1")
    logging_dist = np.zeros((n, k))
    logging_dist[rows, cols] = probs
    eligible = np.zeros((n, k), dtype=bool)
    eligible[rows, cols] = True
    action = np.array([column[o] for o in chosen], dtype=np.int64)
    _reject(
        frame, "offer_id", ~eligible[np.arange(n), action], "must be one of the eligible offers"
    )
    pscore = pd.to_numeric(frame["propensity"], errors="coerce").to_numpy(dtype=np.float64)
    _reject(frame, "propensity", ~((pscore > 0) & (pscore <= 1)), "must be in (0, 1]")
    logged = logging_dist[np.arange(n), action]
    _reject(
        frame,
        "propensity",
        np.abs(pscore - logged) > SUM_TOLERANCE,
        "must equal the logged probability of the chosen offer",
    )
    churn = pd.to_numeric(frame["churn_score"], errors="coerce").to_numpy(dtype=np.float64)
    _reject(frame, "churn_score", ~np.isfinite(churn), "must be a number")
    snapshots = _snapshots(frame, eligible_lists)
    return LoggedData(
        frame=frame,
        offer_ids=offer_ids,
        action=action,
        pscore=pscore,
        reward=reward,
        logging_dist=logging_dist,
        eligible=eligible,
        churn_score=churn,
        offer_snapshots=snapshots,
    )


def offer_ids_of(frame: pd.DataFrame) -> set[str]:
    """Every offer id a frame names, eligible or chosen (the columns of `from_frame`)."""
    ids = {str(o) for v in frame["eligible"] for o in _as_list(v)}
    return ids | {str(o) for o in frame["offer_id"].astype("string").dropna()}


def _snapshots(
    frame: pd.DataFrame, eligible_lists: Sequence[Sequence[object]]
) -> tuple[tuple[EligibleOffer, ...], ...] | None:
    """Each row's eligible offers from `OFFER_COLUMNS`; None unless every row has them.

    Rows with the same offers, versions, categories and features share one tuple.
    """
    if not set(OFFER_COLUMNS) <= set(frame.columns):
        return None
    versions = frame["eligible_versions"].tolist()
    categories = frame["eligible_categories"].tolist()
    features = frame["eligible_features"].tolist()
    if any(_missing(v) for column in (versions, categories, features) for v in column):
        return None
    known: dict[tuple[object, ...], tuple[EligibleOffer, ...]] = {}
    rows: list[tuple[EligibleOffer, ...]] = []
    bad = np.zeros(len(frame), dtype=bool)
    columns = zip(eligible_lists, versions, categories, features, strict=True)
    for i, (ids, v, c, f) in enumerate(columns):
        text = f if isinstance(f, str) else json.dumps(_as_list(f))
        key = (tuple(map(str, ids)), tuple(map(str, _as_list(v))), tuple(map(str, _as_list(c))))
        snapshot = known.get((*key, text))
        if snapshot is None:
            snapshot = _snapshot(key[0], _as_list(v), key[2], text)
            if snapshot is None:
                bad[i] = True
                continue
            known[(*key, text)] = snapshot
        rows.append(snapshot)
    _reject(
        frame,
        "eligible_features",
        bad,
        "eligible_versions, eligible_categories and eligible_features must have one entry "
        "per eligible offer (versions integers, features objects of numbers, text or booleans)",
    )
    return tuple(rows)


def _snapshot(
    ids: tuple[str, ...], versions: list[object], categories: tuple[str, ...], features: str
) -> tuple[EligibleOffer, ...] | None:
    """One row's offers, or None when its columns do not fit together."""
    try:
        objects = json.loads(features)
        numbers = [int(_number(v)) for v in versions]
    except (ValueError, TypeError):
        return None
    if not isinstance(objects, list) or not (
        len(ids) == len(numbers) == len(categories) == len(objects)
    ):
        return None
    out = []
    for offer_id, version, category, values in zip(ids, numbers, categories, objects, strict=True):
        if not isinstance(values, dict) or not all(
            isinstance(x, str | int | float | bool) for x in values.values()
        ):
            return None
        out.append(EligibleOffer(offer_id, version, category, tuple(values.items())))
    return tuple(out)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def from_decisions(rows: Sequence[tuple[Decision, float]]) -> LoggedData:
    """The log of stored `(decision, reward)` rows (e.g. `storage.recent_rewards`), checked as
    `from_frame` checks a file, with each row's offer snapshots kept."""
    decisions = [d for d, _ in rows]
    frame = pd.DataFrame(
        {
            "decision_id": pd.Series([d.id for d in decisions], dtype=object),
            "ts": pd.to_datetime(pd.Series([d.ts for d in decisions], dtype=object), utc=True),
            "customer_id": pd.Series([d.customer_id for d in decisions], dtype=object),
            "churn_score": pd.Series([d.churn_score for d in decisions], dtype="float64"),
            "context": pd.Series([json.dumps(dict(d.context)) for d in decisions], dtype=object),
            "eligible": pd.Series(
                [[e.offer_id for e in d.eligible] for d in decisions], dtype=object
            ),
            "probabilities": pd.Series([list(d.probabilities) for d in decisions], dtype=object),
            "offer_id": pd.Series([d.chosen for d in decisions], dtype=object),
            "propensity": pd.Series([d.propensity for d in decisions], dtype="float64"),
            "reward": pd.Series([r for _, r in rows], dtype="float64"),
            "accepted": pd.Series([pd.NA] * len(rows), dtype="boolean"),
            "policy": pd.Series([d.policy for d in decisions], dtype=object),
            "model_version": pd.Series([d.model_version for d in decisions], dtype="Int64"),
        },
        columns=list(COLUMNS),
    )
    data = from_frame(frame, missing_reward="default")
    return replace(data, offer_snapshots=tuple(d.eligible for d in decisions))


def _reject(frame: pd.DataFrame, field: str, mask: npt.ArrayLike, problem: str) -> None:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    rows, phrase = bad_rows_message(mask)
    ids = [str(frame["decision_id"].iloc[r]) for r in rows[:3]]
    raise InvalidInput(
        field, f"{problem}: {phrase}, decision ids {ids}", rows=rows, decision_ids=ids
    )


def _as_list(value: object) -> list[object]:
    if isinstance(value, str):
        value = json.loads(value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if not isinstance(value, Iterable):
        raise TypeError(f"expected a list, got {type(value).__name__} {value!r}")
    return list(value)


def _number(value: object) -> float:
    """`float(value)` of a logged probability, narrowed for the type checker."""
    if isinstance(value, float | int | str | np.number):  # the usual ones first: this is hot
        return float(value)
    if isinstance(value, SupportsFloat | SupportsIndex | bytes):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__} {value!r}")


def _contexts(frame: pd.DataFrame) -> list[dict[str, object]]:
    ctx_columns = [c for c in frame.columns if c.startswith("ctx_")]
    if ctx_columns:
        renamed = frame[ctx_columns].rename(columns=lambda c: c[4:])
        return [{str(k): v for k, v in r.items()} for r in renamed.to_dict(orient="records")]
    if "context" not in frame.columns:
        return [{} for _ in range(len(frame))]
    out: list[dict[str, object]] = []
    for text in frame["context"]:
        if isinstance(text, dict):
            out.append(dict(text))
        elif isinstance(text, str) and text:
            parsed = json.loads(text)
            out.append(parsed if isinstance(parsed, dict) else {})
        else:
            out.append({})
    return out
