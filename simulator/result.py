"""One simulated run: per-step arrays, the decision log, rewards, regret, offer mix."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from nba.config import RewardMode
from nba.domain import Offer
from nba.logschema import EXPORT_COLUMNS
from simulator.population import CATEGORICAL, OBSERVED, Population

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

BAND_EDGES = (0.3, 0.6)
BANDS = ("low", "medium", "high")
"""Churn bands by churn score: low < 0.3 <= medium < 0.6 <= high."""
START = datetime(2026, 1, 1, tzinfo=UTC)
SOURCES = ("pending", "reported", "default")


def churn_band(scores: Floats) -> npt.NDArray[np.str_]:
    """The churn band name of each score."""
    return np.asarray(BANDS)[np.digitize(scores, BAND_EDGES)]


def customer_id(index: int) -> str:
    """The simulator's customer id for a population index."""
    return f"c{index:07d}"


def context_fields(population: Population, index: int) -> dict[str, float | int | str]:
    """The CRM-visible fields of one customer, categoricals as names."""
    out: dict[str, float | int | str] = {}
    for name in OBSERVED:
        value = getattr(population, name)[index]
        out[name] = CATEGORICAL[name][value] if name in CATEGORICAL else value.item()
    return out


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything one run produced; arrays have one entry (row) per step.

    `expected` (steps x offers) is each offer's true expected reward at that step, given the
    customer's fatigue then; `probabilities` are the policy's (0 where inactive); `source`
    codes index SOURCES (what the policy learned: reported outcome, default, or nothing yet).
    The churn outcome, whatever the reward mode: `retained` per step, `net_value` (retained x
    customer value - offer cost if accepted) and `net_expected` (steps x offers, its expectation).
    """

    scenario: str
    policy: str
    seed: int
    offer_ids: tuple[str, ...]
    steps_per_day: float
    reward_mode: RewardMode
    population: Population
    customers: Ints
    churn_scores: Floats
    active: npt.NDArray[np.bool_]
    probabilities: Floats
    chosen: Ints
    accepted: npt.NDArray[np.bool_]
    realised: Floats
    expected: Floats
    learned: Floats
    source: Ints
    recent_contacts: Floats
    decision_keys: Ints
    elapsed_s: float
    retained: npt.NDArray[np.bool_] | None = None
    net_value: Floats | None = None
    net_expected: Floats | None = None
    offers: tuple[Offer, ...] = ()
    """The offers of `offer_ids` (category, features, version) for the log's snapshots."""

    @property
    def steps(self) -> int:
        """The number of decisions."""
        return len(self.chosen)

    @property
    def decisions_per_s(self) -> float:
        """Simulation speed of the run's decision loop."""
        return self.steps / self.elapsed_s if self.elapsed_s > 0 else float("inf")

    @property
    def rewards(self) -> Floats:
        """The realised reward of each decision (full information, whenever it was reported)."""
        return self.realised

    @cached_property
    def expected_rewards(self) -> Floats:
        """The chosen offer's expected reward at each step."""
        return self.expected[np.arange(self.steps), self.chosen]

    @cached_property
    def oracle_choice(self) -> Ints:
        """The offer the oracle would have chosen at each step (column index)."""
        return np.argmax(np.where(self.active, self.expected, -np.inf), axis=1)

    @cached_property
    def oracle_rewards(self) -> Floats:
        """The oracle's expected reward at each step (same customer, same fatigue)."""
        return self.expected[np.arange(self.steps), self.oracle_choice]

    @cached_property
    def net_values(self) -> Floats:
        """The chosen offer's expected net value at each step (NaN without a churn outcome)."""
        if self.net_expected is None:
            return np.full(self.steps, np.nan)
        return self.net_expected[np.arange(self.steps), self.chosen]

    @cached_property
    def oracle_net_values(self) -> Floats:
        """The expected net value of the offer with the highest expected net value at each step."""
        if self.net_expected is None:
            return np.full(self.steps, np.nan)
        return np.where(self.active, self.net_expected, -np.inf).max(axis=1)

    @property
    def cumulative_reward(self) -> Floats:
        """Cumulative realised reward."""
        return np.cumsum(self.realised)

    @property
    def regret(self) -> Floats:
        """Cumulative expected regret against the oracle (pseudo-regret, no sampling noise)."""
        return np.cumsum(self.oracle_rewards - self.expected_rewards)

    def window_ratio(self, last: int) -> float:
        """Mean expected reward over the last `last` steps as a share of the oracle's."""
        oracle = self.oracle_rewards[-last:].mean()
        return float(self.expected_rewards[-last:].mean() / oracle) if oracle else float("nan")

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Per-step analysis table: step, day, customer, churn band, offer, rewards, oracle."""
        ids = np.asarray(self.offer_ids)
        frame = pd.DataFrame(
            {
                "step": np.arange(self.steps),
                "day": np.arange(self.steps) / self.steps_per_day,
                "customer_id": [customer_id(i) for i in self.customers],
                "churn_score": self.churn_scores,
                "true_churn": self.population.churn_probability[self.customers],
                "churn_band": churn_band(self.churn_scores),
                "offer_id": ids[self.chosen],
                "propensity": self.probabilities[np.arange(self.steps), self.chosen],
                "accepted": self.accepted,
                "reward": self.realised,
                "expected_reward": self.expected_rewards,
                "oracle_offer": ids[self.oracle_choice],
                "oracle_reward": self.oracle_rewards,
                "policy": self.policy,
                "scenario": self.scenario,
                "seed": self.seed,
            }
        )
        if self.reward_mode is RewardMode.RETENTION_VALUE and self.net_value is not None:
            frame["retained"] = self.retained
            frame["net_value"] = self.net_value
            frame["expected_net_value"] = self.net_values
        return frame

    def offer_mix(self, oracle: bool = False) -> pd.DataFrame:
        """Share of each offer within each churn band (rows: bands, columns: offers)."""
        column = "oracle_offer" if oracle else "offer_id"
        mix = pd.crosstab(self.frame["churn_band"], self.frame[column], normalize="index")
        return mix.reindex(index=list(BANDS), columns=list(self.offer_ids), fill_value=0.0)

    def share_over_time(self, offer_id: str, window: int = 1000) -> pd.DataFrame:
        """Rolling share of one offer, the policy's and the oracle's, per step."""
        j = self.offer_ids.index(offer_id)
        mine = pd.Series((self.chosen == j).astype(float)).rolling(window, min_periods=1).mean()
        best = pd.Series((self.oracle_choice == j).astype(float))
        return pd.DataFrame(
            {
                "step": np.arange(self.steps),
                "share": mine,
                "oracle_share": best.rolling(window, 1).mean(),
            }
        )

    @cached_property
    def log(self) -> pd.DataFrame:
        """The decision log in nba.logschema EXPORT_COLUMNS (reward null while no outcome is
        learned)."""
        ids = np.asarray(self.offer_ids)
        rows = np.arange(self.steps)
        contexts: dict[int, dict[str, float | int | str]] = {}
        context_text = []
        for i, contacts in zip(self.customers.tolist(), self.recent_contacts.tolist(), strict=True):
            if i not in contexts:
                contexts[i] = context_fields(self.population, i)
            context_text.append(json.dumps({**contexts[i], "recent_contacts": contacts}))
        eligible = [ids[row].tolist() for row in self.active]
        probabilities = [
            p[a].tolist() for p, a in zip(self.probabilities, self.active, strict=True)
        ]
        pending = self.source == 0
        accepted = pd.array(np.where(self.source == 1, self.accepted, False), dtype="boolean")
        accepted[pending] = pd.NA
        frame = pd.DataFrame(
            {
                "decision_id": [
                    str(uuid.UUID(int=(int(a) << 64) | int(b), version=4))
                    for a, b in self.decision_keys.tolist()
                ],
                "ts": pd.Timestamp(START) + pd.to_timedelta(rows / self.steps_per_day, unit="D"),
                "customer_id": [customer_id(i) for i in self.customers],
                "churn_score": self.churn_scores,
                "context": context_text,
                "eligible": eligible,
                "probabilities": probabilities,
                "offer_id": ids[self.chosen],
                "propensity": self.probabilities[rows, self.chosen],
                "reward": np.where(pending, np.nan, self.learned),
                "accepted": accepted,
                "policy": self.policy,
                "model_version": pd.array([None] * self.steps, dtype="Int64"),
                **self._snapshot_columns(),
            }
        )
        return frame[list(EXPORT_COLUMNS)]

    def _snapshot_columns(self) -> dict[str, list[object]]:
        """Each row's eligible offers' versions, categories and features (JSON text)."""
        offers = {o.id: o for o in self.offers}
        ids = np.asarray(self.offer_ids)
        patterns: dict[bytes, tuple[list[int], list[str], str]] = {}
        versions: list[object] = []
        categories: list[object] = []
        features: list[object] = []
        for row in self.active:
            key = row.tobytes()
            if key not in patterns:
                eligible = [offers.get(str(o)) for o in ids[row]]
                patterns[key] = (
                    [o.version if o else 1 for o in eligible],
                    [o.category if o else str(i) for o, i in zip(eligible, ids[row], strict=True)],
                    json.dumps([dict(o.features) if o else {} for o in eligible]),
                )
            v, c, f = patterns[key]
            versions.append(list(v))
            categories.append(list(c))
            features.append(f)
        return {
            "eligible_versions": versions,
            "eligible_categories": categories,
            "eligible_features": features,
        }
