"""Every estimator as a smooth function of column means of per-row terms.

An estimate is `combine(T.mean(axis=0))` for an (n, k) matrix T of per-row terms. That one
form serves the vectorised bootstrap (resampled means are a weighted matrix product) and the
analytic interval (the delta method: influence term (T_i - m) . grad combine(m)). The values
agree with `nba.ope.estimators` to rounding; a test holds them together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nba.ope.batch import Batch, FloatArray
from nba.ope.estimators import require_model
from nba.ope.tuning import shrunk_weight

Combine = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True, slots=True, eq=False)
class Decomposition:
    """Per-row terms (k columns of n), how column means combine into the estimate, and its
    gradient. A column several estimators share (w r, w, q_pi, w (r - q)) is one array of
    the batch (`Batch.derived`) in all their decompositions, so the bootstrap centres it once."""

    columns: tuple[FloatArray, ...]
    combine: Combine
    gradient: Combine

    @property
    def terms(self) -> FloatArray:
        """The (n, k) matrix of the columns."""
        if len(self.columns) == 1:
            return self.columns[0][:, None]
        return np.column_stack(self.columns)

    @property
    def form(self) -> Form:
        """Its width and combination, without the terms."""
        return Form(len(self.columns), self.combine, self.gradient)

    @property
    def value(self) -> float:
        """The estimate on the whole batch."""
        return float(self.combine(self.terms.mean(axis=0)))

    def influence(self) -> FloatArray:
        """Per-row influence terms (n,): their mean is 0, their sd / sqrt(n) the standard error."""
        terms = self.terms
        means = terms.mean(axis=0)
        return (terms - means) @ self.gradient(means)


@dataclass(frozen=True, slots=True)
class Form:
    """How `width` column means of an estimator's terms combine into its value."""

    width: int
    combine: Combine
    gradient: Combine


def form(name: str) -> Form:
    """The form of estimator `name`'s decomposition (the same for every batch)."""
    if name == "snips":
        return Form(2, _ratio, _ratio_gradient)
    if name == "sndr":
        return Form(3, _corrected_ratio, _corrected_ratio_gradient)
    return Form(1, _first, _first_gradient)


def decompose(name: str, b: Batch, lambda_: float | None = None) -> Decomposition:
    """The decomposition of estimator `name`; tuned estimators need their resolved `lambda_`.

    The columns are computed by the same expressions as the estimators' values, so a
    decomposition's terms are exactly the per-row terms the value averages.
    """
    w, r = b.weight, b.reward
    if name == "on_policy":
        return _mean(r)
    if name == "ips":
        return _mean(_weighted_reward(b))
    if name == "snips":
        return Decomposition((_weighted_reward(b), w), _ratio, _ratio_gradient)
    if name == "cips":
        lam = _resolved(lambda_)
        return _mean(b.derived(f"cips:{lam!r}", lambda: np.minimum(w, lam) * r))
    q_pi, q_logged = require_model(b, name)
    correction = b.derived("weighted_residual", lambda: w * (r - q_logged))
    if name == "dm":
        return _mean(q_pi)
    if name == "dr":
        return _mean(b.derived("dr", lambda: q_pi + correction))
    if name == "sndr":
        columns = (q_pi, correction, w)
        return Decomposition(columns, _corrected_ratio, _corrected_ratio_gradient)
    if name == "switch_dr":
        lam = _resolved(lambda_)
        return _mean(b.derived(f"switch_dr:{lam!r}", lambda: q_pi + (w <= lam) * correction))
    if name == "dr_os":
        lam = _resolved(lambda_)
        shrunk = b.derived(f"dr_os:{lam!r}", lambda: q_pi + shrunk_weight(w, lam) * (r - q_logged))
        return _mean(shrunk)
    raise KeyError(name)


def _weighted_reward(b: Batch) -> FloatArray:
    return b.derived("weighted_reward", lambda: b.weight * b.reward)


def _resolved(lambda_: float | None) -> float:
    if lambda_ is None:
        raise ValueError("a tuned estimator's lambda_ must be resolved before decomposing")
    return lambda_


def _mean(column: FloatArray) -> Decomposition:
    return Decomposition((column,), _first, _first_gradient)


def _first(m: FloatArray) -> FloatArray:
    return m[..., 0]


def _first_gradient(m: FloatArray) -> FloatArray:
    return np.ones(1)


def _ratio(m: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return m[..., 0] / m[..., 1]


def _ratio_gradient(m: FloatArray) -> FloatArray:
    return np.array([1.0 / m[1], -m[0] / m[1] ** 2])


def _corrected_ratio(m: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return m[..., 0] + m[..., 1] / m[..., 2]


def _corrected_ratio_gradient(m: FloatArray) -> FloatArray:
    return np.array([1.0, 1.0 / m[2], -m[1] / m[2] ** 2])
