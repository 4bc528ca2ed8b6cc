"""Per-row terms the estimators share, each computed once per `Batch`.

IPS and SNIPS both read w r; DR, SNDR, Switch-DR, DR-OS and the lambda search all read the
residual r - q and w (r - q); DR's per-row terms q_pi + w (r - q) are also the lambda
search's unbiased reference, and a tuned estimator's terms serve both its value and its
bootstrap. Each function here returns the batch's one copy (`Batch.derived`), computed by
the same expression every estimator used before, so values do not change by a bit.
"""

from __future__ import annotations

import numpy as np

from nba.errors import InvalidInput
from nba.ope.batch import Batch, FloatArray


def require_model(b: Batch, name: str) -> tuple[FloatArray, FloatArray]:
    """`(q_pi, q_logged)` of the batch, or InvalidInput naming the estimator that needs them."""
    if b.q_pi is None or b.q_logged is None:
        raise InvalidInput("estimated_rewards", f"is required by the {name!r} estimator")
    return b.q_pi, b.q_logged


def weighted_reward(b: Batch) -> FloatArray:
    """w r: the per-row terms of IPS, and the numerator of SNIPS."""
    return b.derived("weighted_reward", lambda: b.weight * b.reward)


def residual(b: Batch, name: str) -> FloatArray:
    """r - q: the logged reward minus the reward model's prediction for the logged action."""
    q_logged = require_model(b, name)[1]
    return b.derived("residual", lambda: b.reward - q_logged)


def weighted_residual(b: Batch, name: str) -> FloatArray:
    """w (r - q): the importance-weighted correction of the doubly robust estimators."""
    r_minus_q = residual(b, name)
    return b.derived("weighted_residual", lambda: b.weight * r_minus_q)


def dr_terms(b: Batch, name: str) -> FloatArray:
    """q_pi + w (r - q): DR's per-row terms."""
    q_pi = require_model(b, name)[0]
    correction = weighted_residual(b, name)
    return b.derived("dr_terms", lambda: q_pi + correction)


def switch_dr_terms(b: Batch, lambda_: float) -> FloatArray:
    """q_pi + 1[w <= lambda] w (r - q): Switch-DR's per-row terms at `lambda_`."""
    q_pi = require_model(b, "switch_dr")[0]
    correction = weighted_residual(b, "switch_dr")
    return b.derived(
        f"switch_dr_terms:{lambda_!r}", lambda: q_pi + (b.weight <= lambda_) * correction
    )


def shrunk_weight(weight: FloatArray, lambda_: float) -> FloatArray:
    """Optimistic shrinkage lambda w / (w^2 + lambda); w itself when lambda is inf, 0 when 0."""
    if np.isinf(lambda_):
        return weight
    if lambda_ <= 0:
        return np.zeros_like(weight)
    return lambda_ * weight / (weight**2 + lambda_)


def dr_os_terms(b: Batch, lambda_: float) -> FloatArray:
    """q_pi + lambda w / (w^2 + lambda) (r - q): DR-OS's per-row terms at `lambda_`."""
    q_pi = require_model(b, "dr_os")[0]
    r_minus_q = residual(b, "dr_os")
    return b.derived(
        f"dr_os_terms:{lambda_!r}", lambda: q_pi + shrunk_weight(b.weight, lambda_) * r_minus_q
    )
