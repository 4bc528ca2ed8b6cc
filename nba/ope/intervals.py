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
  random byte per weight, and the product needs only a 0/1 matrix.
- "poisson": the Poisson bootstrap, Poisson(1) counts (16-bit inverse-CDF table, resolution
  2^-16); the same intervals up to Monte Carlo error, several times slower to draw.

The product runs in float64 on centred terms. Rows are processed in blocks of `BLOCK_ROWS`
for all resamples at once, so memory stays small whatever n and n_bootstrap are, and each
block draws its weights from a stream of its own, keyed by the run's key and the block's
index in the whole log: the weights of a row are the same whether the log is processed in
one piece or as partitions on a cluster, so both give the same resamples (`bootstrap_sums`).
Intervals are percentile intervals of the resamples.
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
from nba.ope.terms import Decomposition, Form

Progress = Callable[[int], None]
Scheme = Literal["mammen", "poisson"]
Float32Array = npt.NDArray[np.float32]

BLOCK_ROWS = 4096
"""Rows of one bootstrap block: rows b * BLOCK_ROWS onwards draw their weights from stream b
of the run's key, so the weights of a row do not depend on how the log is split."""


def _poisson_table() -> Float32Array:
    cdf = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(24)])
    return np.searchsorted(cdf * 65536.0, np.arange(65536) + 0.5).astype(np.float32)


_POISSON_OF_UINT16 = _poisson_table()
_POISSON_OF_UINT16_64 = _POISSON_OF_UINT16.astype(np.float64)
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
) -> list[FloatArray]:
    """Resampled estimates, one (n_bootstrap,) array per decomposition, from shared weights.

    The weights come from `bootstrap_key(rng)` by row block (`bootstrap_sums`), so the same
    resamples can be summed partition by partition elsewhere (the Dask engine).
    """
    check_scheme(scheme)
    if not decompositions or n_bootstrap == 0:
        return [np.empty(0) for _ in decompositions]
    terms = np.concatenate([d.terms for d in decompositions], axis=1)
    means = terms.mean(axis=0)
    sums = bootstrap_sums(
        terms, means, 0, n_bootstrap, bootstrap_key(rng), scheme, progress=progress
    )
    return resampled_estimates([d.form for d in decompositions], means, sums)


def bootstrap_key(rng: np.random.Generator) -> int:
    """The key every row block's weights are drawn from (one draw of `rng`)."""
    return int(rng.integers(2**63))


def check_scheme(scheme: str) -> None:
    """Refuse an unknown weight scheme, naming it."""
    if scheme not in ("mammen", "poisson"):
        raise InvalidInput("scheme", f"must be 'mammen' or 'poisson', got {scheme!r}")


def block_weights(block: int, n_bootstrap: int, key: int, scheme: Scheme) -> FloatArray:
    """The (n_bootstrap, BLOCK_ROWS) weights of row block `block` (rows block * BLOCK_ROWS
    onwards of the whole log), from its own stream of `key`. For "mammen" these are the 0/1
    indicators of the upper value (see `bootstrap_sums`)."""
    stream = np.random.Generator(np.random.PCG64(np.random.SeedSequence(key, spawn_key=(block,))))
    count = n_bootstrap * BLOCK_ROWS
    if scheme == "poisson":
        raw = stream.bit_generator.random_raw((count + 3) // 4)
        counts = np.asarray(raw, dtype=np.uint64).view(np.uint16)[:count]
        return _POISSON_OF_UINT16_64[counts].reshape(n_bootstrap, BLOCK_ROWS)
    raw = stream.bit_generator.random_raw((count + 7) // 8)
    uniforms = np.asarray(raw, dtype=np.uint64).view(np.uint8)[:count]
    upper = np.empty((n_bootstrap, BLOCK_ROWS))
    # The same draws as `mammen_weights`, compared straight into float64.
    np.greater_equal(uniforms.reshape(n_bootstrap, BLOCK_ROWS), _MAMMEN_BYTE, out=upper,
                     casting="unsafe")  # fmt: skip
    return upper


def bootstrap_sums(
    terms: FloatArray,
    means: FloatArray,
    first_row: int,
    n_bootstrap: int,
    key: int,
    scheme: Scheme = "mammen",
    *,
    total_rows: int | None = None,
    progress: Progress | None = None,
) -> FloatArray:
    """Per resample b, sum_i W_bi (T_i - means) and sum_i W_bi over these rows: (n_bootstrap,
    k + 1), the last column the total weight.

    `terms` (n, k) are rows first_row .. first_row + n - 1 of the whole log. Row i's weight
    comes from its block's stream (`block_weights`), whoever holds the row, so the sums of
    any split of the log into consecutive parts add up to the sums of the whole. In float64,
    so the parts' sums agree with the whole's to rounding. `total_rows` (the log's) scales the
    progress reported in resamples.
    """
    n, k = terms.shape
    centred = np.empty((n, k + 1))
    np.subtract(terms, means, out=centred[:, :k])
    centred[:, k] = 1.0
    sums = np.zeros((n_bootstrap, k + 1))
    total = total_rows or n
    reported = 0
    stop = first_row + n
    for block in range(first_row // BLOCK_ROWS, -(-stop // BLOCK_ROWS)):
        low = max(first_row, block * BLOCK_ROWS)
        high = min(stop, (block + 1) * BLOCK_ROWS)
        weights = block_weights(block, n_bootstrap, key, scheme)
        offset = block * BLOCK_ROWS
        rows = centred[low - first_row : high - first_row]
        sums += weights[:, low - offset : high - offset] @ rows
        if progress is not None:
            done = n_bootstrap * (high - first_row) // total
            progress(done - reported)
            reported = done
    if scheme == "mammen":
        # W = low + (high - low) * upper: the product needed only the 0/1 matrix `upper`.
        sums *= _MAMMEN_HIGH - _MAMMEN_LOW
        sums += _MAMMEN_LOW * centred.sum(axis=0)
    return sums


def resampled_estimates(
    forms: Sequence[Form], means: FloatArray, sums: FloatArray
) -> list[FloatArray]:
    """Each estimator's resampled estimates from the log's column means of the terms and the
    summed `bootstrap_sums` of all its rows (columns in the order of `forms`)."""
    k = means.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        resampled = means + sums[:, :k] / sums[:, k : k + 1]
    out = []
    column = 0
    for f in forms:
        out.append(np.asarray(f.combine(resampled[:, column : column + f.width]), dtype=np.float64))
        column += f.width
    return out


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
    count = n_resamples * n
    raw = rng.bit_generator.random_raw((count + 7) // 8)
    uniforms = np.asarray(raw, dtype=np.uint64).view(np.uint8)[:count].reshape(n_resamples, n)
    return (uniforms >= _MAMMEN_BYTE).astype(np.float32)


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


def normal_interval_of_sums(
    value: float, total: float, squares: float, n: int, alpha: float
) -> tuple[float, float, float]:
    """`normal_interval` from the sum and the sum of squares of the n influence terms."""
    if n < 2:
        return value - math.nan, value + math.nan, math.nan
    se = math.sqrt(max(squares - total**2 / n, 0.0) / (n - 1) / n)
    z = NormalDist().inv_cdf(1 - alpha / 2)
    return value - z * se, value + z * se, se
