"""Confidence intervals: one vectorised Poisson bootstrap for all estimators, and normal ones.

The bootstrap gives every row an independent Poisson(1) weight per resample (the Poisson
bootstrap: the multinomial resample with its total left free, indistinguishable from it at
the sizes OPE needs). Every estimator is a smooth function of column means (`terms.py`), so
all resampled means of all estimators come from one matrix product per chunk of resamples:

    means_b = m + W_b (T - m) / sum(W_b)          W: (chunk, n) weights, T: (n, k) terms

Ratio estimators (SNIPS, SNDR) are recomputed on every resample, numerator and normaliser
both. Weights are drawn as 16-bit uniforms mapped through the Poisson(1) inverse CDF
(resolution 2^-16), and the product runs in float32 on centred terms, so the error stays
far below the interval's width. Rows are processed in blocks of about 2,000,000 weights
(8 MB) for all resamples at once, so memory stays small whatever n and n_bootstrap are.
Intervals are percentile intervals of the resamples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist

import numpy as np

from nba.ope.batch import FloatArray
from nba.ope.terms import Decomposition

Progress = Callable[[int], None]

BLOCK_WEIGHTS = 2_000_000


def _poisson_table() -> np.ndarray:
    cdf = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(24)])
    return np.searchsorted(cdf * 65536.0, np.arange(65536) + 0.5).astype(np.float32)


_POISSON_OF_UINT16 = _poisson_table()


def bootstrap(
    decompositions: Sequence[Decomposition],
    n_bootstrap: int,
    rng: np.random.Generator,
    progress: Progress | None = None,
    block_weights: int = BLOCK_WEIGHTS,
) -> list[FloatArray]:
    """Resampled estimates, one (n_bootstrap,) array per decomposition, from shared weights."""
    if not decompositions or n_bootstrap == 0:
        return [np.empty(0) for _ in decompositions]
    terms = np.concatenate([d.terms for d in decompositions], axis=1)
    n, k = terms.shape
    means = terms.mean(axis=0)
    # The last column (ones) makes each resample's total weight come out of the same product.
    centred = np.empty((n, k + 1), dtype=np.float32)
    np.subtract(terms, means, out=centred[:, :k], casting="same_kind")
    centred[:, k] = 1.0
    del terms
    # Blocks of rows keep every buffer small (below malloc's mmap threshold, so reused
    # without page faults) and cache-sized; the weights of a block are drawn for all resamples.
    rows = max(1, min(n, block_weights // n_bootstrap))
    sums = np.zeros((n_bootstrap, k + 1), dtype=np.float64)
    weights = np.empty((n_bootstrap, rows), dtype=np.float32)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        block = weights[:, : stop - start]
        poisson_weights(n_bootstrap, stop - start, rng, out=block)
        sums += block @ centred[start:stop]
        if progress is not None:
            progress(0)
    if progress is not None:
        progress(n_bootstrap)
    with np.errstate(divide="ignore", invalid="ignore"):
        resampled = means + sums[:, :k] / sums[:, k : k + 1]
    out = []
    column = 0
    for d in decompositions:
        width = d.terms.shape[1]
        out.append(np.asarray(d.combine(resampled[:, column : column + width]), dtype=np.float64))
        column += width
    return out


def poisson_weights(
    n_resamples: int, n: int, rng: np.random.Generator, out: np.ndarray | None = None
) -> np.ndarray:
    """An (n_resamples, n) float32 matrix of independent Poisson(1) row weights."""
    count = n_resamples * n
    raw = rng.bit_generator.random_raw((count + 3) // 4)
    uniforms = np.asarray(raw, dtype=np.uint64).view(np.uint16)[:count].reshape(n_resamples, n)
    if out is None:
        return _POISSON_OF_UINT16[uniforms]
    return np.take(_POISSON_OF_UINT16, uniforms, out=out)


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
