"""Simulated logs with a known truth, for tests and benchmarks of the estimators.

Contexts x ~ N(0, I_d); the reward of action a is Bernoulli(sigmoid(x . theta_a + beta_a)).
The logging policy is uniform or epsilon-greedy on a noisy copy of theta; the candidate is
epsilon-greedy on another noisy copy, so it differs from the logging policy but keeps support.
The true value of the candidate is E_x[sum_a pi_e(a|x) mu(x, a)], computed exactly per
context and averaged over a large independent sample of contexts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from nba.ope.batch import FloatArray, IntArray

Logging = Literal["uniform", "epsilon_greedy"]


@dataclass(frozen=True, slots=True, eq=False)
class SyntheticLog:
    """Logged rounds: contexts, the logged action with its propensity, and the candidate."""

    features: FloatArray
    action: IntArray
    pscore: FloatArray
    reward: FloatArray
    logging_dist: FloatArray
    action_dist: FloatArray
    expected_reward: FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class Environment:
    """A reward model, a logging policy and a candidate policy over the same actions."""

    theta: FloatArray
    beta: FloatArray
    logging_theta: FloatArray
    candidate_theta: FloatArray
    logging: Logging
    logging_epsilon: float
    candidate_epsilon: float

    @property
    def n_actions(self) -> int:
        """Number of actions."""
        return int(self.beta.shape[0])

    def expected_reward(self, x: FloatArray) -> FloatArray:
        """mu(x, a) for every row and action, (n, n_actions)."""
        return 1.0 / (1.0 + np.exp(-(x @ self.theta + self.beta)))

    def logging_dist(self, x: FloatArray) -> FloatArray:
        """The logging policy's probabilities (n, n_actions)."""
        if self.logging == "uniform":
            return np.full((x.shape[0], self.n_actions), 1.0 / self.n_actions)
        return _epsilon_greedy(x @ self.logging_theta + self.beta, self.logging_epsilon)

    def candidate_dist(self, x: FloatArray) -> FloatArray:
        """The candidate policy's probabilities (n, n_actions)."""
        return _epsilon_greedy(x @ self.candidate_theta + self.beta, self.candidate_epsilon)

    def sample(self, n: int, rng: np.random.Generator) -> SyntheticLog:
        """Log `n` rounds of the logging policy."""
        x = rng.standard_normal((n, self.theta.shape[0]))
        logging = self.logging_dist(x)
        cumulative = logging.cumsum(axis=1)
        action = (rng.random(n)[:, None] > cumulative).sum(axis=1).clip(0, self.n_actions - 1)
        mu = self.expected_reward(x)
        rows = np.arange(n)
        reward = (rng.random(n) < mu[rows, action]).astype(np.float64)
        return SyntheticLog(
            features=x,
            action=action.astype(np.int64),
            pscore=logging[rows, action],
            reward=reward,
            logging_dist=logging,
            action_dist=self.candidate_dist(x),
            expected_reward=mu,
        )

    def true_value(self, rng: np.random.Generator, n: int = 400_000) -> float:
        """The candidate's expected reward, averaged over `n` fresh contexts."""
        x = rng.standard_normal((n, self.theta.shape[0]))
        return float((self.candidate_dist(x) * self.expected_reward(x)).sum(axis=1).mean())


def make_environment(
    rng: np.random.Generator,
    n_actions: int = 5,
    n_features: int = 3,
    logging: Logging = "uniform",
    logging_epsilon: float = 0.3,
    candidate_epsilon: float = 0.2,
) -> Environment:
    """A random environment; the same `rng` state gives the same environment."""
    theta = rng.normal(0.0, 0.6, (n_features, n_actions))
    beta = rng.normal(-1.0, 0.5, n_actions)
    return Environment(
        theta=theta,
        beta=beta,
        logging_theta=theta + rng.normal(0.0, 0.8, theta.shape),
        candidate_theta=theta + rng.normal(0.0, 0.3, theta.shape),
        logging=logging,
        logging_epsilon=logging_epsilon,
        candidate_epsilon=candidate_epsilon,
    )


def _epsilon_greedy(scores: FloatArray, epsilon: float) -> FloatArray:
    n, k = scores.shape
    dist = np.full((n, k), epsilon / k)
    dist[np.arange(n), scores.argmax(axis=1)] += 1.0 - epsilon
    return dist


def decision_log(n: int, rng: np.random.Generator, n_offers: int = 5) -> pd.DataFrame:
    """A small decision log in nba.logschema columns: eligibility varies per row.

    Offers `no_action` and `offer_1..`; each other offer is eligible with probability 0.7;
    the logging policy is epsilon-greedy (epsilon 0.3) on a churn-dependent score; about 5%
    of rewards are still null.
    """
    offers = np.array(["no_action", *(f"offer_{j}" for j in range(1, n_offers))])
    churn = rng.random(n)
    tenure = rng.integers(1, 120, n)
    eligible = rng.random((n, n_offers)) < 0.7
    eligible[:, 0] = True
    slope = np.linspace(-0.5, 1.0, n_offers)
    mu = 1.0 / (1.0 + np.exp(-(-1.5 + np.outer(churn, slope * 2) + 0.003 * tenure[:, None])))
    score = np.where(eligible, np.outer(churn, slope), -np.inf)
    best = score.argmax(axis=1)
    count = eligible.sum(axis=1, keepdims=True)
    dist = np.where(eligible, 0.3 / count, 0.0)
    dist[np.arange(n), best] += 0.7
    chosen = (rng.random(n)[:, None] > dist.cumsum(axis=1)).sum(axis=1).clip(0, n_offers - 1)
    chosen = np.where(eligible[np.arange(n), chosen], chosen, best)
    reward = (rng.random(n) < mu[np.arange(n), chosen]).astype(float)
    reward[rng.random(n) < 0.05] = np.nan
    rows = np.arange(n)
    return pd.DataFrame(
        {
            "decision_id": [f"d{i:06d}" for i in rows],
            "ts": pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(rows, unit="min"),
            "customer_id": [f"c{i % 997:04d}" for i in rows],
            "churn_score": churn,
            "context": [
                json.dumps({"tenure_months": int(t), "plan": p})
                for t, p in zip(tenure, rng.choice(["basic", "plus"], n), strict=True)
            ],
            "eligible": [offers[e].tolist() for e in eligible],
            "probabilities": [d[e].tolist() for d, e in zip(dist, eligible, strict=True)],
            "offer_id": offers[chosen],
            "propensity": dist[rows, chosen],
            "reward": reward,
            "accepted": pd.arrays.BooleanArray(reward > 0, mask=np.isnan(reward)),
            "policy": "epsilon-greedy",
            "model_version": pd.array([1] * n, dtype="Int64"),
        }
    )
