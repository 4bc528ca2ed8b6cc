"""The data-driven default of the tuned estimators' `lambda_`: an estimated-MSE search.

For a candidate lambda on a grid, the estimator is mean(t_i(lambda)) and differs from the
unbiased one (IPS for `cips`, DR for `switch_dr` and `dr_os`) by mean(d_i(lambda)) with

    d_i = (w_i - w~_i(lambda)) (r_i - q_i)         (q_i = 0 for `cips`)

where w~ is the clipped (min(w, lambda)), switched (w 1[w <= lambda]) or shrunk
(lambda w / (w^2 + lambda)) weight. The search minimises

    MSE(lambda) = B(lambda)^2 + var(t(lambda)) / n,
    B(lambda)   = |mean(d)| + z_{0.95} sd(d) / sqrt(n)

B is a one-sided 95% upper bound on the bias, so a lambda is not preferred merely because
its bias estimate happened to be small on this sample. lambda = inf (no clipping, plain
IPS or DR) is always on the grid, so the search never does worse in estimated MSE than the
unbiased estimator. Grids: for `cips` and `switch_dr` the 50%..99.9% quantiles of the
weights; for `dr_os` max(w)^2 times 10^k for k in -6..2, and 0 (which is DM).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from nba.errors import InvalidInput

if TYPE_CHECKING:
    from nba.ope.batch import Batch, FloatArray

_Z95 = 1.6448536269514722
_QUANTILES = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)
_SHRINK_EXPONENTS = tuple(range(-6, 3))


def shrunk_weight(weight: FloatArray, lambda_: float) -> FloatArray:
    """Optimistic shrinkage lambda w / (w^2 + lambda); w itself when lambda is inf, 0 when 0."""
    if np.isinf(lambda_):
        return weight
    if lambda_ <= 0:
        return np.zeros_like(weight)
    return lambda_ * weight / (weight**2 + lambda_)


def lambda_grid(name: str, weight: FloatArray) -> tuple[float, ...]:
    """The candidate values of lambda searched for estimator `name`."""
    if name in ("cips", "switch_dr"):
        levels = np.quantile(weight, _QUANTILES)
        return (*sorted({float(v) for v in levels if v > 0}), float("inf"))
    if name == "dr_os":
        scale = max(float(weight.max()) ** 2, 1e-12)
        return (0.0, *(scale * 10.0**k for k in _SHRINK_EXPONENTS), float("inf"))
    raise InvalidInput("lambda_", f"estimator {name!r} has no lambda to tune")


def select_lambda(name: str, b: Batch) -> float:
    """The lambda on `lambda_grid` with the smallest estimated MSE (see the module docstring)."""
    grid = lambda_grid(name, b.weight)
    return best_lambda(grid, search_sums(name, b, grid))


def estimated_mse(name: str, b: Batch, lambda_: float) -> float:
    """Bias upper bound squared plus variance of estimator `name` at `lambda_`."""
    return float(mse_of_sums(search_sums(name, b, (lambda_,)))[0])


def search_sums(name: str, b: Batch, grid: Sequence[float]) -> FloatArray:
    """The sums over these rows that the search needs: (len(grid) + 1, 3).

    Row 0 is (sum t0, sum t0^2, n); row 1 + j is (sum d, sum d^2, sum t0 d) at grid[j]. The
    sums of consecutive parts of a log add up to the whole log's.
    """
    search = _Search(name, b)
    out = np.empty((len(grid) + 1, 3))
    out[0] = (search.t0.sum(), search.t0 @ search.t0, b.n)
    for j, lambda_ in enumerate(grid):
        d = search.gap(lambda_)
        out[j + 1] = (d.sum(), d @ d, search.t0 @ d)
    return out


def mse_of_sums(sums: FloatArray) -> FloatArray:
    """B(lambda)^2 + var(t(lambda)) / n per grid value, from `search_sums` (summed)."""
    t0_sum, t0_squares, n = sums[0]
    t0_mean = t0_sum / n
    t0_var = max(t0_squares / n - t0_mean**2, 0.0)
    mean = sums[1:, 0] / n
    var_d = np.maximum(sums[1:, 1] / n - mean**2, 0.0)
    cov = sums[1:, 2] / n - t0_mean * mean
    var_t = np.maximum(t0_var + var_d - 2.0 * cov, 0.0)
    bias = np.abs(mean) + _Z95 * np.sqrt(var_d / n)
    return np.asarray(bias**2 + var_t / n, dtype=np.float64)


def best_lambda(grid: Sequence[float], sums: FloatArray) -> float:
    """The first grid value of least estimated MSE."""
    return float(grid[int(np.argmin(mse_of_sums(sums)))])


class _Search:
    """What every lambda shares: the unbiased estimator's terms t0 and the weighted residual.

    The estimator at lambda has terms t0 - d(lambda), so var(t) = var(t0) + var(d) -
    2 cov(t0, d) needs only three dot products with d per lambda.
    """

    def __init__(self, name: str, b: Batch) -> None:
        self.name = name
        self.n = b.n
        self.w = b.weight
        if name == "cips":
            self.residual = b.reward
            self.t0 = b.weight * b.reward
        elif name in ("switch_dr", "dr_os"):
            if b.q_pi is None or b.q_logged is None:
                raise InvalidInput("estimated_rewards", f"is required by the {name!r} estimator")
            self.residual = b.reward - b.q_logged
            self.t0 = b.q_pi + b.weight * self.residual
        else:
            raise InvalidInput("lambda_", f"estimator {name!r} has no lambda to tune")
        self.weighted = self.w * self.residual
        self.squared = self.w**2 if name == "dr_os" else self.w

    def gap(self, lambda_: float) -> FloatArray:
        """d_i(lambda) = (w_i - w~_i(lambda)) (r_i - q_i)."""
        if np.isinf(lambda_):
            return np.zeros(self.n)
        if self.name == "cips":
            return np.maximum(self.w - lambda_, 0.0) * self.residual
        if self.name == "switch_dr":
            return self.weighted * (self.w > lambda_)
        if lambda_ <= 0:
            return self.weighted
        return self.weighted * (self.squared / (self.squared + lambda_))
