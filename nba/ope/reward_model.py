"""The reward model of DM and the DR family: cross-fitted per-offer ridge regression in numpy.

For each action a, q(x, a) = c + [1, z(x)] . beta_a is a ridge regression of the reward on
the standardised features z(x) (penalty `ridge` on the slopes, a tiny one on the intercept,
fitted around the training rows' mean c so an action with no training rows predicts c).
With no features it is the per-action mean reward; with one-hot churn bands as features it
is the per-action mean by band, shrunk a little. Predictions are clipped to the range of the
training rewards.

Cross-fitting: rows are split at random into `n_folds` folds, and the prediction on a row
comes from the model fitted on the other folds only, so no row's prediction saw its own
reward (the condition under which DR's correction term stays unbiased). The folds are dealt
per block of `FOLD_BLOCK_ROWS` rows from a stream of the block's own (`fold_of_rows`), and
the fit needs only sums over rows (`FitSums`: one pass of `np.bincount`), so the model of
the whole log can be fitted from its partitions' sums as well (the Dask engine). 1,000,000
rows cost well under a second for a handful of features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nba.errors import InvalidInput
from nba.ope.batch import FloatArray, IntArray

_INTERCEPT_PENALTY = 1e-6
FOLD_BLOCK_ROWS = 65_536
"""Rows dealt into folds together: each full block holds every fold nearly equally."""
_CONSTANT = 1e-12


@dataclass(frozen=True, slots=True)
class FitSums:
    """Sums over rows per (fold, action) that the ridge fits need; they add across parts."""

    gram: FloatArray  # (n_folds, n_actions, d, d): sum of x x'
    cross: FloatArray  # (n_folds, n_actions, d): sum of x r
    counts: FloatArray  # (n_folds, n_actions)
    reward_sums: FloatArray  # (n_folds, n_actions)
    reward_low: FloatArray  # (n_folds,): least reward per fold (inf when empty)
    reward_high: FloatArray  # (n_folds,): largest reward per fold (-inf when empty)

    def __add__(self, other: FitSums) -> FitSums:
        return FitSums(
            self.gram + other.gram,
            self.cross + other.cross,
            self.counts + other.counts,
            self.reward_sums + other.reward_sums,
            np.minimum(self.reward_low, other.reward_low),
            np.maximum(self.reward_high, other.reward_high),
        )


@dataclass(frozen=True, slots=True)
class FittedModel:
    """Per fold f, the ridge fit on the other folds: coefficients, centre, clipping range."""

    beta: FloatArray  # (n_folds, n_actions, d)
    centre: FloatArray  # (n_folds,)
    low: FloatArray  # (n_folds,)
    high: FloatArray  # (n_folds,)

    def predict(self, x: FloatArray, fold: IntArray) -> FloatArray:
        """Out-of-fold predictions (n, n_actions) for design rows `x` in folds `fold`."""
        predictions = np.empty((x.shape[0], self.beta.shape[1]))
        for f in range(self.beta.shape[0]):
            rows = fold == f
            raw = self.centre[f] + x[rows] @ self.beta[f].T
            predictions[rows] = np.clip(raw, self.low[f], self.high[f])
        return predictions


def cross_fit(
    reward: npt.ArrayLike,
    action: npt.ArrayLike,
    n_actions: int,
    rng: np.random.Generator,
    features: npt.ArrayLike | None = None,
    n_folds: int = 5,
    ridge: float = 1.0,
) -> FloatArray:
    """Out-of-fold predictions (n, n_actions) of the reward of every action on every row."""
    r = np.asarray(reward, dtype=np.float64)
    a = np.asarray(action, dtype=np.int64)
    n = r.shape[0]
    check_folds(n_folds, n)
    fold = fold_of_rows(0, n, n, n_folds, fold_key(rng))
    z = _features(features, n)
    x = design(z, *standardisation(z), n)
    model = fit(fit_sums(x, r, a, fold, n_actions, n_folds), ridge)
    return model.predict(x, fold)


def check_folds(n_folds: int, n: int) -> None:
    """Refuse a number of folds outside [2, n], naming it."""
    if n_folds < 2 or n_folds > n:
        raise InvalidInput("n_folds", f"must be in [2, n={n}], got {n_folds}")


def fold_key(rng: np.random.Generator) -> int:
    """The key the folds are dealt from (one draw of `rng`)."""
    return int(rng.integers(2**63))


def fold_of_rows(first_row: int, count: int, n: int, n_folds: int, key: int) -> IntArray:
    """The folds of rows first_row .. first_row + count - 1 of a log of n rows.

    Block b (rows b * FOLD_BLOCK_ROWS onwards) deals its m rows a random permutation of
    0..m-1 modulo n_folds from its own stream of `key`: every fold gets m / n_folds rows of
    it (up to one), and a row's fold does not depend on how the log is split.
    """
    out = np.empty(count, dtype=np.int64)
    stop = first_row + count
    for block in range(first_row // FOLD_BLOCK_ROWS, -(-stop // FOLD_BLOCK_ROWS)):
        start = block * FOLD_BLOCK_ROWS
        size = min(FOLD_BLOCK_ROWS, n - start)
        seed = np.random.SeedSequence(key, spawn_key=(block,))
        dealt = np.random.Generator(np.random.PCG64(seed)).permutation(size) % n_folds
        low, high = max(first_row, start), min(stop, start + size)
        out[low - first_row : high - first_row] = dealt[low - start : high - start]
    return out


def standardisation(z: FloatArray | None) -> tuple[FloatArray, FloatArray]:
    """Column means and scales of the features (scale 1 for a constant column)."""
    if z is None:
        return np.zeros(0), np.ones(0)
    mean = z.mean(axis=0)
    return mean, scales(mean, z.std(axis=0))


def scales(mean: FloatArray, std: FloatArray) -> FloatArray:
    """Standard deviations with those of constant columns (zero up to rounding) set to 1."""
    return np.where(std > _CONSTANT * (1.0 + np.abs(mean)), std, 1.0)


def design(z: FloatArray | None, mean: FloatArray, scale: FloatArray, n: int) -> FloatArray:
    """[1, (z - mean) / scale] for n rows: the rows of the regressions (1 alone without z)."""
    if z is None:
        return np.ones((n, 1))
    return np.column_stack([np.ones(n), (z - mean) / scale])


def fit_sums(
    x: FloatArray,
    r: FloatArray,
    a: IntArray,
    fold: IntArray,
    n_actions: int,
    n_folds: int,
) -> FitSums:
    """The sums of these rows (design `x`, rewards, actions, folds)."""
    n, d = x.shape
    group = fold * n_actions + a
    n_groups = n_folds * n_actions
    pair = np.einsum("ij,ik->ijk", x, x).reshape(n, d * d)
    low = np.full(n_folds, np.inf)
    high = np.full(n_folds, -np.inf)
    np.minimum.at(low, fold, r)
    np.maximum.at(high, fold, r)
    return FitSums(
        gram=_grouped_sums(group, pair, n_groups).reshape(n_folds, n_actions, d, d),
        cross=_grouped_sums(group, x * r[:, None], n_groups).reshape(n_folds, n_actions, d),
        counts=np.bincount(group, minlength=n_groups).reshape(n_folds, n_actions).astype(float),
        reward_sums=np.asarray(
            np.bincount(group, weights=r, minlength=n_groups), dtype=np.float64
        ).reshape(n_folds, n_actions),
        reward_low=low,
        reward_high=high,
    )


def fit(sums: FitSums, ridge: float = 1.0) -> FittedModel:
    """Per fold, the ridge regressions on the other folds' sums."""
    n_folds, n_actions, d = sums.cross.shape
    penalty = np.diag([_INTERCEPT_PENALTY, *([ridge] * (d - 1))])
    beta = np.empty((n_folds, n_actions, d))
    centre = np.empty(n_folds)
    low = np.empty(n_folds)
    high = np.empty(n_folds)
    for f in range(n_folds):
        # Sums of the other folds, added (not the total minus fold f's, whose rounding would
        # carry this fold's rewards into its own predictions).
        others = np.arange(n_folds) != f
        train_count = sums.counts[others].sum()
        centre[f] = sums.reward_sums[others].sum() / max(train_count, 1.0)
        g = sums.gram[others].sum(axis=0)
        # Regress r - centre: subtract centre * sum(x) from X'r, per action.
        c = sums.cross[others].sum(axis=0) - centre[f] * g[:, :, 0]
        beta[f] = np.linalg.solve(g + penalty, c[..., None])[..., 0]
        low[f] = sums.reward_low[others].min()
        high[f] = sums.reward_high[others].max()
    return FittedModel(beta, centre, low, high)


def _features(features: npt.ArrayLike | None, n: int) -> FloatArray | None:
    if features is None:
        return None
    z = np.asarray(features, dtype=np.float64)
    if z.ndim == 1:
        z = z[:, None]
    if z.ndim != 2 or z.shape[0] != n:
        raise InvalidInput("features", f"must be (n={n}, d), got shape {z.shape}")
    bad = ~np.isfinite(z).all(axis=1)
    if bad.any():
        rows = [int(i) for i in np.flatnonzero(bad)[:10]]
        raise InvalidInput("features", f"must be finite; rows {rows}", rows=rows)
    return z


def _grouped_sums(group: npt.NDArray[np.int64], values: FloatArray, n_groups: int) -> FloatArray:
    columns = [
        np.bincount(group, weights=values[:, j], minlength=n_groups) for j in range(values.shape[1])
    ]
    return np.stack(columns, axis=1)
