"""Confidence intervals: one vectorised weighted bootstrap for all estimators, and normal ones.

Every estimator is a smooth function of column means of per-row terms T (`terms.py`), so one
resample is one vector of iid row weights W_b and all resampled means of all estimators come
from one matrix product per block of rows:

    means_b = m + W_b (T - m) / sum(W_b)

Ratio estimators (SNIPS, SNDR) are recomputed on every resample, numerator and normaliser
both (obp's bootstrap holds the normaliser fixed; this one does not).

Weights (`scheme`):

- "mammen" (default): iid weights taking 1 - sqrt((1-p)/p) with probability p and
  1 + sqrt(p/(1-p)) otherwise, p = 185/256. They have mean 1, variance 1 and third central
  moment 0.995, the moments of Poisson(1) (i.e. of the classical multinomial bootstrap's
  counts), so the intervals keep the bootstrap's skewness; all weights are positive. One
  random byte per weight, and the product needs only a 0/1 matrix, which is what makes
  1,000,000 rows x 200 resamples take about a second.
- "poisson": the Poisson bootstrap, Poisson(1) counts (16-bit inverse-CDF table, resolution
  2^-16); the same intervals up to Monte Carlo error, several times slower to draw.

The product runs in float32 on centred terms, so rounding stays far below the interval's
width. Rows are processed in blocks of about 4,000,000 weights (16 MB) for all resamples at
once, so memory stays small whatever n and n_bootstrap are. Intervals are percentile
intervals of the resamples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import Literal

import numpy as np
import numpy.typing as npt

from nba.errors import InvalidInput
from nba.ope.batch import FloatArray
from nba.ope.terms import Decomposition

Progress = Callable[[int], None]
Scheme = Literal["mammen", "poisson"]
Float32Array = npt.NDArray[np.float32]

BLOCK_WEIGHTS = 4_000_000
_CENTRE_ROWS = 65536


def _poisson_table() -> Float32Array:
    cdf = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(24)])
    return np.searchsorted(cdf * 65536.0, np.arange(65536) + 0.5).astype(np.float32)


_POISSON_OF_UINT16 = _poisson_table()
_MAMMEN_BYTE = 185
_MAMMEN_P = _MAMMEN_BYTE / 256
_MAMMEN_LOW = 1.0 - math.sqrt((1 - _MAMMEN_P) / _MAMMEN_P)
_MAMMEN_HIGH = 1.0 + math.sqrt(_MAMMEN_P / (1 - _MAMMEN_P))


def bootstrap(
    decompositions: Sequence[Decomposition],
    n_bootstrap: int,
    rng: np.random.Generator,
    progress: Progress | None = None,
    scheme: Scheme = "mammen",
    block_weights: int = BLOCK_WEIGHTS,
) -> list[FloatArray]:
    """Resampled estimates, one (n_bootstrap,) array per decomposition, from shared weights."""
    if scheme not in ("mammen", "poisson"):
        raise InvalidInput("scheme", f"must be 'mammen' or 'poisson', got {scheme!r}")
    if not decompositions or n_bootstrap == 0:
        return [np.empty(0) for _ in decompositions]
    columns = [column for d in decompositions for column in d.columns]
    means = _column_means(columns)
    n, k = columns[0].shape[0], len(columns)
    # The last column (ones) makes each resample's total weight come out of the same product.
    centred = _centred(columns, means)
    # Blocks of rows keep every buffer small and cache-sized; a block's weights are drawn
    # for all resamples at once, into one reused buffer.
    rows = max(1, min(n, block_weights // n_bootstrap))
    upper = np.empty(n_bootstrap * rows, dtype=np.float32)
    sums = np.zeros((n_bootstrap, k + 1), dtype=np.float64)
    reported = 0
    for start in range(0, n, rows):
        block = centred[start : start + rows]
        if scheme == "poisson":
            sums += poisson_weights(n_bootstrap, block.shape[0], rng) @ block
        else:
            # W = low + (high - low) * upper: the product needs only the 0/1 matrix `upper`,
            # and the `low` part is the same for every resample (added after the loop).
            drawn = upper[: n_bootstrap * block.shape[0]].reshape(n_bootstrap, block.shape[0])
            _mammen_upper_into(drawn, rng)
            sums += (_MAMMEN_HIGH - _MAMMEN_LOW) * (drawn @ block).astype(np.float64)
        if progress is not None:
            done = n_bootstrap * min(n, start + rows) // n
            progress(done - reported)
            reported = done
    if scheme == "mammen":
        sums += _MAMMEN_LOW * centred.sum(axis=0, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        resampled = means + sums[:, :k] / sums[:, k : k + 1]
    out = []
    column = 0
    for d in decompositions:
        width = len(d.columns)
        out.append(np.asarray(d.combine(resampled[:, column : column + width]), dtype=np.float64))
        column += width
    return out


def _column_means(columns: Sequence[FloatArray]) -> FloatArray:
    """The means of the columns, each the sequential (row by row) float64 sum over n: bit for
    bit `np.column_stack(columns).mean(axis=0)`, without building that matrix. A column passed
    more than once (the same array) is summed once."""
    n = columns[0].shape[0]
    if len(columns) == 1:  # a one-column matrix is reduced as a vector (pairwise)
        return np.array([columns[0].mean()])
    done: dict[int, float] = {}
    scratch = np.empty(n)
    for column in columns:
        if id(column) not in done:
            done[id(column)] = float(np.cumsum(column, out=scratch)[-1]) / n
    return np.array([done[id(column)] for column in columns])


def _centred(columns: Sequence[FloatArray], means: FloatArray) -> Float32Array:
    """(n, k + 1) float32: column j minus its mean, then a column of ones; built by blocks of
    rows so each block of the matrix is written while it is in the cache."""
    n, k = columns[0].shape[0], len(columns)
    centred = np.empty((n, k + 1), dtype=np.float32)
    centred[:, k] = 1.0
    for start in range(0, n, _CENTRE_ROWS):
        stop = min(n, start + _CENTRE_ROWS)
        for j, column in enumerate(columns):
            np.subtract(
                column[start:stop], means[j], out=centred[start:stop, j], casting="same_kind"
            )
    return centred


def poisson_weights(n_resamples: int, n: int, rng: np.random.Generator) -> Float32Array:
    """An (n_resamples, n) float32 matrix of independent Poisson(1) row weights."""
    count = n_resamples * n
    raw = rng.bit_generator.random_raw((count + 3) // 4)
    uniforms = np.asarray(raw, dtype=np.uint64).view(np.uint16)[:count].reshape(n_resamples, n)
    return _POISSON_OF_UINT16[uniforms]


def mammen_weights(n_resamples: int, n: int, rng: np.random.Generator) -> Float32Array:
    """An (n_resamples, n) float32 matrix of the default scheme's weights (mean 1, var 1)."""
    upper = _mammen_upper(n_resamples, n, rng)
    return np.float32(_MAMMEN_LOW) + np.float32(_MAMMEN_HIGH - _MAMMEN_LOW) * upper


def _mammen_upper(n_resamples: int, n: int, rng: np.random.Generator) -> Float32Array:
    upper = np.empty((n_resamples, n), dtype=np.float32)
    _mammen_upper_into(upper, rng)
    return upper


def _mammen_upper_into(upper: Float32Array, rng: np.random.Generator) -> None:
    """Fill `upper` (C-contiguous) with iid 0/1 draws, 1 with probability 1 - p: one random
    byte each, in the order of the generator's raw 64-bit outputs."""
    count = upper.size
    raw = rng.bit_generator.random_raw((count + 7) // 8)
    uniforms = np.asarray(raw, dtype=np.uint64).view(np.uint8)[:count].reshape(upper.shape)
    np.greater_equal(uniforms, _MAMMEN_BYTE, out=upper)


def percentile_interval(resamples: FloatArray, alpha: float) -> tuple[float, float]:
    """The (alpha/2, 1 - alpha/2) quantiles of the finite resampled values."""
    finite = resamples[np.isfinite(resamples)]
    if finite.size == 0:
        return math.nan, math.nan
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def normal_interval(
    value: float, influence: FloatArray, alpha: float
) -> tuple[float, float, float]:
    """(low, high, se) of value +- z se, with se = sd(influence terms) / sqrt(n)."""
    n = influence.shape[0]
    se = float(influence.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    z = NormalDist().inv_cdf(1 - alpha / 2)
    return value - z * se, value + z * se, se
