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
    """Per-row terms (n, k), how column means combine into the estimate, and its gradient."""

    terms: FloatArray
    combine: Combine
    gradient: Combine

    @property
    def form(self) -> Form:
        """Its width and combination, without the terms."""
        return Form(self.terms.shape[1], self.combine, self.gradient)

    @property
    def value(self) -> float:
        """The estimate on the whole batch."""
        return float(self.combine(self.terms.mean(axis=0)))

    def influence(self) -> FloatArray:
        """Per-row influence terms (n,): their mean is 0, their sd / sqrt(n) the standard error."""
        means = self.terms.mean(axis=0)
        return (self.terms - means) @ self.gradient(means)


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
    """The decomposition of estimator `name`; tuned estimators need their resolved `lambda_`."""
    w, r = b.weight, b.reward
    if name == "on_policy":
        return _mean(r)
    if name == "ips":
        return _mean(w * r)
    if name == "snips":
        return Decomposition(np.column_stack([w * r, w]), _ratio, _ratio_gradient)
    if name == "cips":
        return _mean(np.minimum(w, _resolved(lambda_)) * r)
    q_pi, q_logged = require_model(b, name)
    residual = r - q_logged
    if name == "dm":
        return _mean(q_pi.copy())
    if name == "dr":
        return _mean(q_pi + w * residual)
    if name == "sndr":
        terms = np.column_stack([q_pi, w * residual, w])
        return Decomposition(terms, _corrected_ratio, _corrected_ratio_gradient)
    if name == "switch_dr":
        return _mean(q_pi + (w <= _resolved(lambda_)) * w * residual)
    if name == "dr_os":
        return _mean(q_pi + shrunk_weight(w, _resolved(lambda_)) * residual)
    raise KeyError(name)


def _resolved(lambda_: float | None) -> float:
    if lambda_ is None:
        raise ValueError("a tuned estimator's lambda_ must be resolved before decomposing")
    return lambda_


def _mean(column: FloatArray) -> Decomposition:
    return Decomposition(column[:, None], _first, _first_gradient)


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
