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

from typing import TYPE_CHECKING

import numpy as np

from nba.errors import InvalidInput
from nba.ope.row_terms import (
    dr_terms,
    require_model,
    residual,
    weighted_residual,
    weighted_reward,
)

if TYPE_CHECKING:
    from nba.ope.batch import Batch, FloatArray

_Z95 = 1.6448536269514722
_QUANTILES = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)
_SHRINK_EXPONENTS = tuple(range(-6, 3))


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
    search = _Search(name, b)
    return min(lambda_grid(name, b.weight), key=search.mse)


def estimated_mse(name: str, b: Batch, lambda_: float) -> float:
    """Bias upper bound squared plus variance of estimator `name` at `lambda_`."""
    return _Search(name, b).mse(lambda_)


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
            self.t0 = self.weighted = weighted_reward(b)
        elif name in ("switch_dr", "dr_os"):
            require_model(b, name)
            self.residual = residual(b, name)
            self.t0 = dr_terms(b, name)
            self.weighted = weighted_residual(b, name)
        else:
            raise InvalidInput("lambda_", f"estimator {name!r} has no lambda to tune")
        self.squared = self.w**2 if name == "dr_os" else self.w
        self.t0_mean = float(self.t0.mean())
        self.t0_var = float(self.t0.var())

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

    def mse(self, lambda_: float) -> float:
        """B(lambda)^2 + var(t(lambda)) / n."""
        d = self.gap(lambda_)
        mean = float(d.sum()) / self.n
        var_d = max(float(d @ d) / self.n - mean**2, 0.0)
        cov = float(self.t0 @ d) / self.n - self.t0_mean * mean
        var_t = max(self.t0_var + var_d - 2.0 * cov, 0.0)
        bias = abs(mean) + _Z95 * np.sqrt(var_d / self.n)
        return float(bias**2 + var_t / self.n)
