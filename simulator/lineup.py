"""Policy factories by name for side-by-side runs: nba's registry, the oracle, and MABWiser.

`factory("lints")` builds `policies.get(name, rng=..., **TUNED.get(name, {}))`; `oracle` is the
policy that knows the truth; `mabwiser-linucb` / `mabwiser-lints` wrap MABWiser (the optional
`bench` extra) as an outside benchmark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

import policies
from nba.config import RewardMode
from nba.reward import fresh_policy_params
from policies.base import Candidate, Context, Event, Ranking
from policies.encoding import shared_features
from simulator.runner import PolicyFactory, oracle

TUNED: Mapping[str, Mapping[str, object]] = {
    "linucb": {"epsilon": 0.01},
    "lints": {"epsilon": 0.01},
}
"""Parameters that override a policy's defaults in simulator runs.

VW needs none: its defaults (squarecb, gamma_scale 100, epsilon 0.02, and a floor of 0.2 for
a new offer's first 1,000 tries) come from these sweeps. `stationary` (50,000 decisions, share
of the oracle over the last 10,000; seed 0 unless noted): gamma_scale 10 with epsilon 0.05
84.0%; gamma_scale 50 84.9%, 100 85.2%, 200 84.4%; epsilon 0.02 with gamma_scale 100 87.9%
(0.01: 87.5%), seeds 0-4 86.4% (82.3-88.9%); adding `start_probability` 0.05 for 300 tries
88.3% (86.9-89.2%), not a default (see policies/cold_start.py). Epsilon-greedy 0.02 78.5%.
LinUCB and linear Thompson sampling: epsilon 0.05 (default) 90.2% / 90.4%, 0.01 93.0% / 93.3%.
"""


BEST_RULES: Mapping[str, Sequence[str]] = {
    "low": ["upsell"],
    "medium": ["discount", "loyalty"],
    "high": ["discount"],
}
"""The best churn-band preferences found for the default world (benchmarks/sim_quality.py)."""


def factory(
    name: str, reward_mode: RewardMode | str = RewardMode.ACCEPTANCE, **params: object
) -> PolicyFactory:
    """A factory for a policy name; `params` override TUNED. ValueError on an unknown name.

    `reward_mode` adds what the service adds for it (`nba.reward.fresh_policy_params`).
    """
    if name == "oracle":
        return oracle
    if name.startswith("mabwiser-"):
        kind = name.removeprefix("mabwiser-")
        if kind not in ("linucb", "lints"):
            raise ValueError(f"unknown policy {name!r}; MABWiser gives linucb and lints")
        unknown = sorted(set(params) - {"alpha", "l2_lambda"})
        if unknown:
            raise ValueError(f"{name} takes alpha and l2_lambda, not {', '.join(unknown)}")
        alpha, l2_lambda = _number(params, "alpha"), _number(params, "l2_lambda")
        return lambda rng: MabwiserPolicy(kind, rng, alpha=alpha, l2_lambda=l2_lambda)
    if name == "rules-best":
        merged: dict[str, object] = {"preferences": dict(BEST_RULES), **params}
        return _named(name, "rules", merged)
    if name not in policies.names():
        known = (*policies.names(), "rules-best", "oracle", "mabwiser-linucb", "mabwiser-lints")
        raise ValueError(f"unknown policy {name!r}; known: {', '.join(known)}")
    merged = fresh_policy_params(name, {**TUNED.get(name, {}), **params}, RewardMode(reward_mode))
    return _named(name, name, merged)


def _named(label: str, name: str, params: Mapping[str, object]) -> PolicyFactory:
    policies.get(name, rng=np.random.default_rng(0), **params)  # fail now on a bad parameter

    def make(rng: np.random.Generator) -> policies.Policy:
        policy = policies.get(name, rng=rng, **params)
        policy.name = label
        return policy

    return make


def factories(
    names: Iterable[str], reward_mode: RewardMode | str = RewardMode.ACCEPTANCE
) -> dict[str, PolicyFactory]:
    """Factories for several names, keyed by name."""
    return {name: factory(name, reward_mode) for name in names}


class _Vectoriser:
    """Dense context vectors for MABWiser: numbers as given, categoricals one-hot, grown lazily."""

    def __init__(self, dim: int = 96) -> None:
        self.dim = dim
        self._slots: dict[str, int] = {}
        self._scale: dict[str, float] = {}

    def vector(self, context: Context) -> np.ndarray:
        x = np.zeros(self.dim)
        for name, value in shared_features(context):
            slot = self._slots.setdefault(name, len(self._slots))
            if slot >= self.dim:
                continue
            if "=" not in name:
                # A fixed scale from the first value seen keeps ridge regression well conditioned.
                value = value / self._scale.setdefault(name, max(abs(value), 1.0))
            x[slot] = value
        return x


def _number(params: Mapping[str, object], name: str, default: float = 1.0) -> float:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)


class MabwiserPolicy:
    """MABWiser's LinUCB or LinTS (disjoint linear arms) behind nba's Policy interface.

    Greedy on MABWiser's prediction (probability 1 on its choice, so logged propensities are
    not meaningful for OPE); learns with `partial_fit` on each batch of events.
    """

    def __init__(
        self,
        kind: str,
        rng: np.random.Generator | None = None,
        alpha: float = 1.0,
        l2_lambda: float = 1.0,
    ) -> None:
        """`kind` is `linucb` or `lints`; the MABWiser seed is drawn from `rng`."""
        from mabwiser.mab import MAB, LearningPolicy

        self.name = f"mabwiser-{kind}"
        self.params: Mapping[str, object] = {"kind": kind, "alpha": alpha, "l2_lambda": l2_lambda}
        make = LearningPolicy.LinUCB if kind == "linucb" else LearningPolicy.LinTS
        self._policy = make(alpha=alpha, l2_lambda=l2_lambda)
        self._mab_class = MAB
        rng = rng if rng is not None else np.random.default_rng()
        self._seed = int(rng.integers(0, 2**31 - 1))
        self._mab: Any = None  # MABWiser ships no type hints
        self._vec = _Vectoriser()

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """Probability 1 on MABWiser's choice among the candidates (uniform before any data)."""
        ids = tuple(c.offer_id for c in candidates)
        k = len(ids)
        if self._mab is None:
            return Ranking(ids, (1.0 / k,) * k, (0.0,) * k)
        self._ensure_arms(ids)
        x = self._vec.vector(context)[None, :]
        expectations = self._mab.predict_expectations(x)
        scores = tuple(float(expectations.get(i, 0.0)) for i in ids)
        best = int(np.argmax(scores))
        return Ranking(ids, tuple(float(j == best) for j in range(k)), scores)

    def learn(self, events: Iterable[Event]) -> None:
        """`fit` on the first batch, `partial_fit` afterwards."""
        batch = list(events)
        if not batch:
            return
        arms = [e.candidates[e.chosen].offer_id for e in batch]
        rewards = [e.reward for e in batch]
        x = np.stack([self._vec.vector(e.context) for e in batch])
        if self._mab is None:
            all_ids = sorted({c.offer_id for e in batch for c in e.candidates})
            self._mab = self._mab_class(all_ids, self._policy, seed=self._seed)
            self._mab.fit(arms, rewards, x)
        else:
            self._ensure_arms(tuple({c.offer_id for e in batch for c in e.candidates}))
            self._mab.partial_fit(arms, rewards, x)

    def _ensure_arms(self, ids: Iterable[str]) -> None:
        for offer_id in ids:
            if offer_id not in self._mab.arms:
                self._mab.add_arm(offer_id)

    def save(self) -> bytes:
        """Not supported: a benchmark-only adapter."""
        raise NotImplementedError("MabwiserPolicy is a benchmark adapter and cannot be saved")

    def load(self, data: bytes) -> None:
        """Not supported: a benchmark-only adapter."""
        raise NotImplementedError("MabwiserPolicy is a benchmark adapter and cannot be loaded")
