"""Weight diagnostics: effective sample size, weight extremes, and offers without support."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nba.errors import InvalidInput
from nba.ope.batch import Batch, rows_where_any

_DETERMINISTIC = 1.0 - 1e-12


@dataclass(frozen=True, slots=True)
class Diagnostics:
    """How far the candidate strays from the logging policy on these rows.

    `ess` = (sum w)^2 / sum w^2, in rows (n when the candidate equals the logging policy).
    `unsupported_share` is the share of rows where the candidate puts probability on an action
    the logging policy gave probability 0; estimators cannot see those actions, so every
    estimate is biased there. With `support_known` False only `pscore` was available and the
    share is a lower bound: it counts rows logged with propensity 1 (so every other action had
    probability 0) where the candidate puts mass elsewhere.
    """

    ess: float
    max_weight: float
    mean_weight: float
    unsupported_share: float
    support_known: bool


def diagnose(b: Batch, logging_dist: npt.ArrayLike | None = None) -> Diagnostics:
    """Diagnostics of one batch; `logging_dist` (n, n_actions) makes the support check exact."""
    return diagnostics_of(diagnostic_sums(b, logging_dist))


@dataclass(frozen=True, slots=True)
class DiagnosticSums:
    """What the diagnostics of a log are made of; the sums of its parts add up (`+`)."""

    n: int
    weight_sum: float
    weight_squares: float
    max_weight: float
    unsupported: int
    support_known: bool

    def __add__(self, other: DiagnosticSums) -> DiagnosticSums:
        return DiagnosticSums(
            self.n + other.n,
            self.weight_sum + other.weight_sum,
            self.weight_squares + other.weight_squares,
            max(self.max_weight, other.max_weight),
            self.unsupported + other.unsupported,
            self.support_known and other.support_known,
        )


def diagnostic_sums(b: Batch, logging_dist: npt.ArrayLike | None = None) -> DiagnosticSums:
    """The sums of one batch (see `diagnose`)."""
    w = b.weight
    if logging_dist is None:
        deterministic = b.pscore >= _DETERMINISTIC
        if deterministic.any():  # only rows logged with certainty can lack support
            elsewhere = 1.0 - w * b.pscore
            unsupported = deterministic & (elsewhere > 1e-12)
        else:
            unsupported = deterministic
        known = False
    else:
        logging = np.asarray(logging_dist, dtype=np.float64)
        if logging.shape != b.action_dist.shape:
            raise InvalidInput(
                "logging_dist",
                f"has shape {logging.shape} but action_dist has {b.action_dist.shape}",
            )
        unsupported = rows_where_any((b.action_dist > 0) & (logging <= 0))
        known = True
    return DiagnosticSums(
        n=b.n,
        weight_sum=float(w.sum()),
        weight_squares=float(w @ w),
        max_weight=float(w.max()),
        unsupported=int(unsupported.sum()),
        support_known=known,
    )


def diagnostics_of(sums: DiagnosticSums) -> Diagnostics:
    """The diagnostics of a log from its (summed) `DiagnosticSums`."""
    squares = sums.weight_squares
    return Diagnostics(
        ess=sums.weight_sum**2 / squares if squares > 0 else 0.0,
        max_weight=sums.max_weight,
        mean_weight=sums.weight_sum / sums.n,
        unsupported_share=sums.unsupported / sums.n,
        support_known=sums.support_known,
    )
