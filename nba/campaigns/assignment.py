"""A batch's assignments from the campaign's prices: exploration, holdout, propensities.

Row i is in the holdout when its holdout draw is below the holdout share: it gets `no_action`.
Any other row explores when its exploration draw is below the exploration share: it gets one
of its eligible offers drawn uniformly (by its pick draw); else the offer the prices choose.
So each row's probability of each offer is, with h the holdout and e the exploration share,
h [a is no_action] + (1 - h) ((1 - e) [a is the priced choice] + e [a eligible] / eligible),
the propensity of the campaign's design logged with the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nba.campaigns import draws
from nba.campaigns.duals import choose
from nba.campaigns.scoring import Scores

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Assignments:
    """Per row: chosen column, holdout flag, the design's probabilities over the offers."""

    chosen: npt.NDArray[np.int64]
    holdout: npt.NDArray[np.bool_]
    explored: npt.NDArray[np.bool_]
    probabilities: FloatArray
    propensity: FloatArray
    expected_reward: FloatArray
    expected_accepts: FloatArray


def holdout_mask(customer_ids: Sequence[str], seed: int, share: float) -> npt.NDArray[np.bool_]:
    """Which customers the campaign keeps out (at random, by their id's draw)."""
    return draws.uniforms(customer_ids, seed, draws.HOLDOUT) < share


def assign(
    scores: Scores,
    customer_ids: Sequence[str],
    prices: FloatArray,
    *,
    seed: int,
    holdout: float,
    exploration: float,
) -> Assignments:
    """Assign each scored row (prices per column, column 0 `no_action`)."""
    n = scores.rewards.shape[0]
    rows = np.arange(n)
    priced = choose(scores.rewards, scores.accepts, prices)
    n_eligible = scores.eligible.sum(axis=1)
    explores, picked = exploration_picks(scores, customer_ids, seed, exploration)
    held = holdout_mask(customer_ids, seed, holdout)
    chosen = np.where(held, 0, np.where(explores, picked, priced)).astype(np.int64)
    probabilities = exploration * scores.eligible / n_eligible[:, None]
    probabilities[rows, priced] += 1.0 - exploration
    probabilities *= 1.0 - holdout
    probabilities[:, 0] += holdout
    return Assignments(
        chosen=chosen,
        holdout=held,
        explored=explores & ~held,
        probabilities=probabilities,
        propensity=probabilities[rows, chosen],
        expected_reward=scores.rewards[rows, chosen],
        expected_accepts=scores.accepts[rows, chosen],
    )


def exploration_picks(
    scores: Scores, customer_ids: Sequence[str], seed: int, exploration: float
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Which rows explore, and the eligible column each would get if it did (its draws)."""
    n_eligible = scores.eligible.sum(axis=1)
    explores = draws.uniforms(customer_ids, seed, draws.EXPLORE) < exploration
    pick = np.minimum(
        (draws.uniforms(customer_ids, seed, draws.PICK) * n_eligible).astype(np.int64),
        n_eligible - 1,
    )
    order = np.cumsum(scores.eligible, axis=1) - 1  # the pick-th eligible column of each row
    picked = np.argmax(scores.eligible & (order == pick[:, None]), axis=1).astype(np.int64)
    return explores, picked
