"""Auto-optimize's gate on simulated logs: a worse challenger is never promotable, a clearly
better one is, with the lower bound of its paired lift above zero."""

from __future__ import annotations

import numpy as np

from nba.learning.optimizer import judge

N, K = 1500, 4
# The true acceptance rate of each offer in each of two customer groups: best 2 then 0.
TRUTH = np.array([[0.05, 0.10, 0.30, 0.08], [0.25, 0.08, 0.05, 0.10]])


def _greedy(best: np.ndarray, epsilon: float) -> np.ndarray:
    dist = np.full((best.size, K), epsilon / K)
    dist[np.arange(best.size), best] += 1 - epsilon
    return dist


def _log(seed: int, logging: np.ndarray, groups: np.ndarray):
    rng = np.random.default_rng(seed)
    action = np.array([rng.choice(K, p=p) for p in logging])
    reward = (rng.random(N) < TRUTH[groups, action]).astype(float)
    return reward, action, logging[np.arange(N), action]


def test_no_challenger_worse_than_the_champion_is_promotable_in_20_seeded_runs():
    promoted = 0
    for seed in range(20):
        groups = np.random.default_rng(1000 + seed).integers(0, 2, N)
        champion = _greedy(np.where(groups == 0, 2, 0), 0.2)  # the best offer, explored
        reward, action, pscore = _log(seed, champion, groups)
        challengers = {
            "uniform": np.full((N, K), 1 / K),
            "second_best": _greedy(np.where(groups == 0, 1, 3), 0.2),
            "same": champion.copy(),  # a lift of exactly zero is not above zero
        }
        results = judge(
            reward, action, pscore, champion, challengers,
            min_ess=50, rng=np.random.default_rng(seed), logging_dist=champion,
        )  # fmt: skip
        promoted += sum(bool(r["promotable"]) for r in results)
    assert promoted == 0


def test_a_clearly_better_challenger_is_promotable_with_a_positive_lower_bound():
    groups = np.random.default_rng(5).integers(0, 2, N)
    champion = np.full((N, K), 1 / K)  # a deliberately poor champion: uniform
    reward, action, pscore = _log(5, champion, groups)
    best = _greedy(np.where(groups == 0, 2, 0), 0.1)
    (result,) = judge(
        reward, action, pscore, champion, {"best": best},
        min_ess=50, rng=np.random.default_rng(5), logging_dist=champion,
    )  # fmt: skip
    assert result["promotable"] is True
    assert result["snips"]["lift_ci_low"] > 0 and result["dr"]["lift_ci_low"] > 0
    assert result["snips"]["lift"] > 0.1  # true lift: 0.26 - 0.13


def test_a_better_challenger_with_too_small_an_effective_sample_is_not_promotable():
    groups = np.random.default_rng(6).integers(0, 2, N)
    champion = np.full((N, K), 1 / K)
    reward, action, pscore = _log(6, champion, groups)
    best = _greedy(np.where(groups == 0, 2, 0), 0.1)
    (result,) = judge(
        reward, action, pscore, champion, {"best": best},
        min_ess=N, rng=np.random.default_rng(6), logging_dist=champion,
    )  # fmt: skip
    assert result["promotable"] is False
    assert "effective sample size" in str(result["verdict"])
