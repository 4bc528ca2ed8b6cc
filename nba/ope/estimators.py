"""Off-policy estimators: pure functions of a validated `Batch` returning the candidate's value.

Notation (row i of n): w_i = pi_e(a_i|x_i) / pi_b(a_i|x_i) the importance weight, r_i the
reward, q(x, a) the reward model (`estimated_rewards`), q_pi(x_i) = sum_a pi_e(a|x_i) q(x_i, a)
and q_i = q(x_i, a_i). With means over rows:

- `on_policy`: mean(r), the logging policy's own value (the baseline every lift refers to)
- `ips`: mean(w r)
- `snips`: sum(w r) / sum(w)
- `cips`: mean(min(w, lambda) r), IPS with weights clipped at lambda
- `dm`: mean(q_pi)
- `dr`: mean(q_pi + w (r - q))
- `sndr`: mean(q_pi) + sum(w (r - q)) / sum(w)
- `switch_dr`: mean(q_pi + 1[w <= lambda] w (r - q)), the Open Bandit Pipeline's form
  (DM everywhere, the DR correction only where the weight is at most lambda)
- `dr_os`: mean(q_pi + lambda w / (w^2 + lambda) (r - q)), DR with optimistic shrinkage
  (Su et al. 2020); lambda = inf gives `dr`, lambda = 0 gives `dm`

`cips`, `switch_dr` and `dr_os` take `lambda_`; None picks it from the data by the
estimated-MSE search of `nba.ope.tuning.select_lambda`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nba.errors import InvalidInput
from nba.ope.batch import Batch, FloatArray
from nba.ope.tuning import select_lambda, shrunk_weight

Estimator = Callable[..., float]


def on_policy(b: Batch) -> float:
    """The logging policy's value: the plain mean of the logged rewards."""
    return float(b.reward.mean())


def ips(b: Batch) -> float:
    """Inverse propensity scoring: unbiased when propensities are right, high variance."""
    return float((b.weight * b.reward).mean())


def snips(b: Batch) -> float:
    """Self-normalised IPS: a little bias for much less variance than IPS."""
    return float((b.weight * b.reward).sum() / b.weight.sum())


def cips(b: Batch, lambda_: float | None = None) -> float:
    """Clipped IPS: weights capped at `lambda_` trade bias for variance."""
    lam = select_lambda("cips", b) if lambda_ is None else lambda_
    return float((np.minimum(b.weight, lam) * b.reward).mean())


def dm(b: Batch) -> float:
    """Direct method: the reward model's value of the candidate, no weights."""
    return float(require_model(b, "dm")[0].mean())


def dr(b: Batch) -> float:
    """Doubly robust: DM plus the IPS-weighted residual of the logged action."""
    q_pi, q_logged = require_model(b, "dr")
    return float((q_pi + b.weight * (b.reward - q_logged)).mean())


def sndr(b: Batch) -> float:
    """Self-normalised DR: the residual correction divided by sum(w) instead of n."""
    q_pi, q_logged = require_model(b, "sndr")
    return float(q_pi.mean() + (b.weight * (b.reward - q_logged)).sum() / b.weight.sum())


def switch_dr(b: Batch, lambda_: float | None = None) -> float:
    """Switch-DR: the DR correction only on rows whose weight is at most `lambda_`."""
    q_pi, q_logged = require_model(b, "switch_dr")
    lam = select_lambda("switch_dr", b) if lambda_ is None else lambda_
    keep = b.weight <= lam
    return float((q_pi + keep * b.weight * (b.reward - q_logged)).mean())


def dr_os(b: Batch, lambda_: float | None = None) -> float:
    """DR with optimistic shrinkage: weights shrunk to lambda w / (w^2 + lambda)."""
    q_pi, q_logged = require_model(b, "dr_os")
    lam = select_lambda("dr_os", b) if lambda_ is None else lambda_
    return float((q_pi + shrunk_weight(b.weight, lam) * (b.reward - q_logged)).mean())


ESTIMATORS: dict[str, Estimator] = {
    "on_policy": on_policy,
    "ips": ips,
    "snips": snips,
    "cips": cips,
    "dm": dm,
    "dr": dr,
    "sndr": sndr,
    "switch_dr": switch_dr,
    "dr_os": dr_os,
}
TUNED = frozenset({"cips", "switch_dr", "dr_os"})
MODEL_BASED = frozenset({"dm", "dr", "sndr", "switch_dr", "dr_os"})


def require_model(b: Batch, name: str) -> tuple[FloatArray, FloatArray]:
    """`(q_pi, q_logged)` of the batch, or InvalidInput naming the estimator that needs them."""
    if b.q_pi is None or b.q_logged is None:
        raise InvalidInput("estimated_rewards", f"is required by the {name!r} estimator")
    return b.q_pi, b.q_logged
