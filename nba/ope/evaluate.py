"""`nba.ope.evaluate`: every requested estimator on one batch, with intervals and diagnostics."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from nba.errors import InvalidInput
from nba.ope.batch import Batch, make_batch
from nba.ope.diagnostics import diagnose
from nba.ope.estimators import ESTIMATORS, MODEL_BASED, TUNED
from nba.ope.intervals import Scheme, bootstrap, normal_interval, percentile_interval
from nba.ope.reward_model import cross_fit
from nba.ope.terms import Decomposition, decompose
from nba.ope.tuning import select_lambda

log = logging.getLogger(__name__)

DEFAULT_ESTIMATORS = ("ips", "snips", "dm", "dr", "sndr", "switch_dr", "dr_os")
Interval = Literal["bootstrap", "normal"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """One estimator's value of the candidate, its interval, its lift and the weight diagnostics.

    `lift` is value minus the baseline's value: the logging policy's (the mean logged reward),
    or with `evaluate(..., baseline_dist=...)` that policy's value by the same estimator. Its
    interval comes from the same resamples (paired), so it is narrower than the difference of
    two intervals.
    `interval` is how the intervals were made: "bootstrap" (percentile, Poisson bootstrap),
    "normal" (value +- z se, delta method) or "none" (n_bootstrap=0: point estimates only; the
    interval bounds and `se` are then NaN, so the fields stay floats). `lambda_` is the value a
    tuned estimator used (None for the others).
    """

    name: str
    value: float
    ci_low: float
    ci_high: float
    se: float
    lift: float
    lift_ci_low: float
    lift_ci_high: float
    ess: float
    max_weight: float
    mean_weight: float
    unsupported_share: float
    support_known: bool
    n: int
    alpha: float
    interval: str
    lambda_: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict (NaN and inf become None)."""
        return {k: _json_number(v) for k, v in asdict(self).items()}


def evaluate(
    reward: npt.ArrayLike,
    action: npt.ArrayLike,
    pscore: npt.ArrayLike,
    action_dist: npt.ArrayLike,
    estimated_rewards: npt.ArrayLike | None = None,
    estimators: Sequence[str] = DEFAULT_ESTIMATORS,
    alpha: float = 0.05,
    n_bootstrap: int = 200,
    random_state: int | np.random.Generator | None = None,
    lambda_: float | Mapping[str, float] | None = None,
    *,
    interval: Interval = "bootstrap",
    scheme: Scheme = "mammen",
    logging_dist: npt.ArrayLike | None = None,
    baseline_dist: npt.ArrayLike | None = None,
    features: npt.ArrayLike | None = None,
    n_folds: int = 5,
    progress: Callable[[int], None] | None = None,
) -> tuple[Estimate, ...]:
    """Estimate the candidate's value with each of `estimators`, in the order asked.

    Arrays as in `make_batch`. Without `estimated_rewards`, the model-based estimators use the
    cross-fitted ridge model of `reward_model.cross_fit` on `features` (n, d), or per-action
    means when `features` is None too. `lambda_` (a number for every tuned estimator, or a
    mapping by name) fixes the hyper-parameter of `cips`, `switch_dr` and `dr_os`; absent, it
    is chosen by the estimated-MSE search of `tuning.py` and then held fixed in the bootstrap.
    `n_bootstrap=0` returns point estimates only; `scheme` picks the bootstrap weights
    ("mammen" or "poisson", see `intervals.py`); `interval="normal"` gives delta-method
    intervals instead, without resampling. `logging_dist` (n, n_actions) makes the
    unsupported-offer check exact. `baseline_dist` (n, n_actions), another policy's
    probabilities, makes `lift` the difference from that policy (paired, same estimator and
    resamples) instead of from the logging policy. `progress` is called with the number of
    resamples done.
    """
    names = _checked_names(estimators)
    _check_options(alpha, n_bootstrap, interval)
    rng = random_state if isinstance(random_state, np.random.Generator) else None
    rng = rng or np.random.default_rng(random_state)
    fold_rng, boot_rng = rng.spawn(2)
    batch = make_batch(reward, action, pscore, action_dist, estimated_rewards)
    if estimated_rewards is None and MODEL_BASED.intersection(names):
        log.info("fitting a cross-fitted reward model (%d folds) for %s", n_folds, names)
        q = cross_fit(batch.reward, batch.action, batch.n_actions, fold_rng, features, n_folds)
        batch = make_batch(batch.reward, batch.action, batch.pscore, batch.action_dist, q)
    lambdas = {name: _lambda_for(name, lambda_, batch) for name in names if name in TUNED}
    base_batch, base_names, base_lambdas = batch, ["on_policy"], {}
    if baseline_dist is not None:
        base_batch = _baseline_batch(batch, baseline_dist)
        base_names = list(names)
        base_lambdas = {n: _lambda_for(n, lambda_, base_batch) for n in names if n in TUNED}
    diagnostics = diagnose(batch, logging_dist)
    if diagnostics.unsupported_share > 0:
        log.warning(
            "the candidate puts probability on offers without logging support in %.1f%% of "
            "rows%s; every estimator is biased there",
            100 * diagnostics.unsupported_share,
            "" if diagnostics.support_known else " (a lower bound: only pscore was given)",
        )
    values = [_value(name, batch, lambdas.get(name)) for name in names]
    base_values = [_value(name, base_batch, base_lambdas.get(name)) for name in base_names]
    if interval == "bootstrap" and n_bootstrap == 0:
        bounds = [(math.nan,) * 5] * len(names)
    else:
        parts = [decompose(name, batch, lambdas.get(name)) for name in names]
        bases = [decompose(name, base_batch, base_lambdas.get(name)) for name in base_names]
        bounds = _intervals(parts, bases, alpha, n_bootstrap, interval, scheme, boot_rng, progress)
    results = []
    for i, (name, value, (low, high, se, lift_low, lift_high)) in enumerate(
        zip(names, values, bounds, strict=True)
    ):
        results.append(
            Estimate(
                name=name,
                value=value,
                ci_low=low,
                ci_high=high,
                se=se,
                lift=value - base_values[min(i, len(base_values) - 1)],
                lift_ci_low=lift_low,
                lift_ci_high=lift_high,
                ess=diagnostics.ess,
                max_weight=diagnostics.max_weight,
                mean_weight=diagnostics.mean_weight,
                unsupported_share=diagnostics.unsupported_share,
                support_known=diagnostics.support_known,
                n=batch.n,
                alpha=alpha,
                interval="none" if interval == "bootstrap" and n_bootstrap == 0 else interval,
                lambda_=lambdas.get(name),
            )
        )
    return tuple(results)


def _intervals(
    parts: list[Decomposition],
    bases: list[Decomposition],
    alpha: float,
    n_bootstrap: int,
    interval: Interval,
    scheme: Scheme,
    rng: np.random.Generator,
    progress: Callable[[int], None] | None,
) -> list[tuple[float, float, float, float, float]]:
    """Per part: (low, high, se, lift_low, lift_high); the lift of part i is against bases[i],
    or bases[0] when there is one base for all."""
    nan = math.nan
    out = []
    if interval == "normal":
        for i, part in enumerate(parts):
            base = bases[min(i, len(bases) - 1)]
            influence = part.influence()
            low, high, se = normal_interval(part.value, influence, alpha)
            lift = part.value - base.value
            lift_low, lift_high, _ = normal_interval(lift, influence - base.influence(), alpha)
            out.append((low, high, se, lift_low, lift_high))
        return out
    resampled = bootstrap([*parts, *bases], n_bootstrap, rng, progress, scheme)
    for i, values in enumerate(resampled[: len(parts)]):
        base_values = resampled[len(parts) + min(i, len(bases) - 1)]
        low, high = percentile_interval(values, alpha)
        lift_low, lift_high = percentile_interval(values - base_values, alpha)
        se = float(np.nanstd(values, ddof=1)) if n_bootstrap > 1 else nan
        out.append((low, high, se, lift_low, lift_high))
    return out


def _baseline_batch(batch: Batch, baseline_dist: npt.ArrayLike) -> Batch:
    try:
        return make_batch(
            batch.reward, batch.action, batch.pscore, baseline_dist, batch.estimated_rewards
        )
    except InvalidInput as error:
        if error.field != "action_dist":
            raise
        problem = error.message.partition(": ")[2]
        details = {k: v for k, v in error.details.items() if k != "field"}
        raise InvalidInput("baseline_dist", problem, **details) from None


def _value(name: str, batch: Batch, lambda_: float | None) -> float:
    if lambda_ is None:
        return ESTIMATORS[name](batch)
    return ESTIMATORS[name](batch, lambda_=lambda_)


def _checked_names(estimators: Sequence[str]) -> tuple[str, ...]:
    if isinstance(estimators, str):
        estimators = [e.strip() for e in estimators.split(",") if e.strip()]
    names = tuple(dict.fromkeys(estimators))
    unknown = [name for name in names if name not in ESTIMATORS]
    if unknown or not names:
        raise InvalidInput(
            "estimators", f"unknown {unknown or 'none given'}; known: {sorted(ESTIMATORS)}"
        )
    return names


def _check_options(alpha: float, n_bootstrap: int, interval: str) -> None:
    if not 0 < alpha < 1:
        raise InvalidInput("alpha", f"must be in (0, 1), got {alpha}")
    if n_bootstrap < 0 or int(n_bootstrap) != n_bootstrap:
        raise InvalidInput("n_bootstrap", f"must be an integer >= 0, got {n_bootstrap}")
    if interval not in ("bootstrap", "normal"):
        raise InvalidInput("interval", f"must be 'bootstrap' or 'normal', got {interval!r}")


def _lambda_for(name: str, lambda_: float | Mapping[str, float] | None, batch: Batch) -> float:
    given = lambda_.get(name) if isinstance(lambda_, Mapping) else lambda_
    if given is None:
        return select_lambda(name, batch)
    if not given >= 0:
        raise InvalidInput("lambda_", f"must be >= 0 for {name!r}, got {given}")
    return float(given)


def _json_number(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
