"""How a loop answers a rank: the served distribution and the sampled action, per mode.

Online: the policy's probabilities mixed with `explorationPercentage` of uniform
exploration, `(1 - e) p + e / K`, sampled. Apprentice and LoggingOnly: the baseline action
(the first one not excluded, or a slot's `baselineAction`) with probability 1; the log
keeps it, so a later evaluation or warm start can use it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nba.personalizer.requests import Action
from policies import Context, Policy

__all__ = ["Choice", "Sampler", "choose"]


@dataclass(frozen=True, slots=True)
class Choice:
    """The served probabilities (in the candidates' order) and the chosen index."""

    probabilities: tuple[float, ...]
    chosen: int


class Sampler:
    """Draws indexes from a Generator shared by request threads (guarded by a lock)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._lock = threading.Lock()

    def draw(self, probabilities: Sequence[float]) -> int:
        """One index drawn with `probabilities`."""
        p = np.asarray(probabilities, dtype=np.float64)
        with self._lock:
            u = float(self._rng.random())
        cumulative = np.cumsum(p / p.sum())
        return min(int(np.searchsorted(cumulative, u, side="right")), len(p) - 1)


def choose(
    policy: Policy,
    context: Context,
    candidates: Sequence[Action],
    *,
    mode: str,
    exploration: float,
    baseline: int,
    sampler: Sampler,
) -> Choice:
    """The distribution served over `candidates` and the index chosen from it."""
    k = len(candidates)
    if mode != "Online":
        probabilities = [0.0] * k
        probabilities[baseline] = 1.0
        return Choice(tuple(probabilities), baseline)
    ranking = policy.rank(context, [a.candidate() for a in candidates])
    p = (1.0 - exploration) * np.asarray(ranking.probabilities) + exploration / k
    p = p / p.sum()
    return Choice(tuple(float(x) for x in p), sampler.draw(p))
