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
    w = b.weight
    total = float(w.sum())
    squares = float(w @ w)
    ess = total**2 / squares if squares > 0 else 0.0
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
    return Diagnostics(
        ess=ess,
        max_weight=float(w.max()),
        mean_weight=total / b.n,
        unsupported_share=float(unsupported.mean()),
        support_known=known,
    )
