"""One evaluation run: several candidates on one decision log, each against the logging policy.

The reward model is fitted once (cross-fitted, on the log's features) and shared by every
candidate, so their model-based estimates differ only through their probabilities. Every
candidate gets the same bootstrap seed (common random numbers), and the breakdowns by churn
band and by offer use `dr` (or the first estimator that needs no model) with normal intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict, cast

import numpy as np

from nba.errors import InvalidInput
from nba.ope.batch import FloatArray, make_batch
from nba.ope.candidates import CandidatePolicy
from nba.ope.estimators import ESTIMATORS, MODEL_BASED
from nba.ope.evaluate import Estimate, evaluate
from nba.ope.logs import BANDS, LoggedData
from nba.ope.partials import offer_rows, offer_sums
from nba.ope.reward_model import cross_fit

RewardKind = Literal["acceptance", "value"]
"""`acceptance` when every logged reward is 0 or 1 (a value is then a rate), else `value`."""

N_FOLDS = 5
"""Folds of the model-based estimators' cross-fitted reward model (`reward_model.cross_fit`)."""
MIN_OUTCOMES = 2
"""Decisions with an outcome below which no estimate has a meaningful interval."""

Progress = Callable[[str, int, int], None]
"""progress(label, done_now, total): called as work advances, `done_now` rows or resamples."""


class BandRow(TypedDict):
    """A candidate in one churn band: `estimator`'s value with normal intervals, and the lift
    over the logging policy's mean reward there (`logging_value`)."""

    band: str
    rows: int
    estimator: str
    value: float
    ci_low: float
    ci_high: float
    logging_value: float
    lift: float
    lift_ci_low: float
    lift_ci_high: float


class OfferRow(TypedDict):
    """One offer's shares under both policies and its additive part of the estimate."""

    offer_id: str
    logging_share: float
    logged_share: float
    candidate_share: float
    contribution: float
    contribution_estimator: str


@dataclass(frozen=True, slots=True, eq=False)
class CandidateResult:
    """One candidate's estimates, breakdowns and importance weights."""

    name: str
    estimates: tuple[Estimate, ...]
    by_band: tuple[BandRow, ...]
    by_offer: tuple[OfferRow, ...]
    weights: FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class EvaluationResult:
    """The result of one run: all candidates, with the logging policy's value as the baseline.

    Not the `nba.domain.Evaluation` job record, which stores this as its `results`.
    """

    source: str
    n_rows: int
    offer_ids: tuple[str, ...]
    estimators: tuple[str, ...]
    alpha: float
    n_bootstrap: int
    seed: int | None
    baseline: Estimate
    candidates: tuple[CandidateResult, ...]
    reward_kind: RewardKind = "value"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: settings, the baseline, and per candidate estimates and breakdowns."""
        return {
            "source": self.source,
            "n_rows": self.n_rows,
            "reward_kind": self.reward_kind,
            "offer_ids": list(self.offer_ids),
            "estimators": list(self.estimators),
            "alpha": self.alpha,
            "n_bootstrap": self.n_bootstrap,
            "seed": self.seed,
            "baseline": self.baseline.as_dict(),
            "candidates": [
                {
                    "name": c.name,
                    "estimates": [e.as_dict() for e in c.estimates],
                    "by_band": [_clean(r) for r in c.by_band],
                    "by_offer": [_clean(r) for r in c.by_offer],
                }
                for c in self.candidates
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> EvaluationResult:
        """The result back from `as_dict()` (e.g. a stored job's results), without the
        importance weights, which `as_dict` leaves out; missing numbers read as NaN."""
        candidates = tuple(
            CandidateResult(
                name=str(c["name"]),
                estimates=tuple(_estimate(e) for e in _records(c, "estimates")),
                by_band=tuple(cast(BandRow, _numbers(r)) for r in _records(c, "by_band")),
                by_offer=tuple(cast(OfferRow, _numbers(r)) for r in _records(c, "by_offer")),
                weights=np.zeros(0),
            )
            for c in _records(data, "candidates")
        )
        seed = data.get("seed")
        return cls(
            source=str(data.get("source", "")),
            n_rows=_count(data.get("n_rows")),
            offer_ids=tuple(str(o) for o in _list(data.get("offer_ids"))),
            estimators=tuple(str(e) for e in _list(data.get("estimators"))),
            alpha=_number(data.get("alpha", 0.05)),
            n_bootstrap=_count(data.get("n_bootstrap")),
            seed=seed if isinstance(seed, int) else None,
            baseline=_estimate(_mapping(data.get("baseline"))),
            candidates=candidates,
            reward_kind="acceptance" if data.get("reward_kind") == "acceptance" else "value",
        )


def run_evaluation(
    data: LoggedData,
    candidates: Sequence[CandidatePolicy],
    estimators: Sequence[str],
    alpha: float = 0.05,
    n_bootstrap: int = 200,
    seed: int | None = None,
    source: str = "",
    progress: Progress | None = None,
) -> EvaluationResult:
    """Evaluate each candidate on `data`; see the module docstring."""
    check_enough_outcomes(data.n, estimators)
    root = np.random.default_rng(seed)
    model_rng, policy_rng, boot_rng = root.spawn(3)
    boot_seed = int(boot_rng.integers(2**63))
    q = None
    if MODEL_BASED.intersection(estimators):
        q = cross_fit(
            data.reward, data.action, len(data.offer_ids), model_rng, data.features(), N_FOLDS
        )
    (baseline,) = evaluate(
        data.reward,
        data.action,
        data.pscore,
        data.logging_dist,
        estimators=["on_policy"],
        alpha=alpha,
        n_bootstrap=n_bootstrap,
        random_state=boot_seed,
    )
    results = []
    for candidate, rng in zip(candidates, policy_rng.spawn(len(candidates)), strict=True):
        step = _stepper(progress, f"{candidate.name}: scoring", data.n)
        dist = candidate.action_dist(data, rng, step)
        step = _stepper(progress, f"{candidate.name}: bootstrap", n_bootstrap)
        estimates = evaluate(
            data.reward,
            data.action,
            data.pscore,
            dist,
            q,
            estimators=estimators,
            alpha=alpha,
            n_bootstrap=n_bootstrap,
            random_state=boot_seed,
            logging_dist=data.logging_dist,
            progress=step,
        )
        weights = dist[np.arange(data.n), data.action] / data.pscore
        results.append(
            CandidateResult(
                name=candidate.name,
                estimates=estimates,
                by_band=_by_band(data, dist, q, estimators, alpha),
                by_offer=_by_offer(data, dist, q),
                weights=weights,
            )
        )
    is_rate = bool(np.isin(data.reward, (0.0, 1.0)).all())
    return EvaluationResult(
        source=source,
        n_rows=data.n,
        offer_ids=data.offer_ids,
        estimators=tuple(estimators),
        alpha=alpha,
        n_bootstrap=n_bootstrap,
        seed=seed,
        baseline=baseline,
        candidates=tuple(results),
        reward_kind="acceptance" if is_rate else "value",
    )


def check_enough_outcomes(n: int, estimators: Sequence[str], n_folds: int = N_FOLDS) -> None:
    """Refuse, in words, `n` decisions with an outcome (rows with a reward) too few for
    `estimators`: how many there are, how many are needed, and what to do (InvalidInput)."""
    model_based = [e for e in estimators if e in MODEL_BASED]
    needed = max(n_folds if model_based else 0, MIN_OUTCOMES)
    if n >= needed:
        return
    have = f"{n} decision{'' if n == 1 else 's'} with an outcome"
    more = f"Collect at least {needed - n} more outcome{'' if needed - n == 1 else 's'}"
    if model_based:
        one = len(model_based) == 1
        others = (
            f", the others at least {MIN_OUTCOMES}" if len(model_based) < len(estimators) else ""
        )
        rule = (
            f"{_names(model_based)} need{'s' if one else ''} at least {n_folds} "
            f"({'its' if one else 'their'} reward model is cross-fitted on {n_folds} folds)"
            f"{others}"
        )
        plain = [e for e in ESTIMATORS if e not in MODEL_BASED and e != "on_policy"]
        todo = (
            f"{more}, or choose estimators that need no cross-fitting: {', '.join(plain)} "
            f"(at least {MIN_OUTCOMES})"
        )
    else:
        rule = f"an estimate with a confidence interval needs at least {MIN_OUTCOMES}"
        todo = more
    raise InvalidInput("log", f"{have}; {rule}. {todo}, then evaluate again.")


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def band_estimator(estimators: Sequence[str], has_model: bool) -> str:
    """The estimator of the breakdown by churn band: `dr` when there is a reward model, else
    the first estimator that needs none (`ips` when none is asked)."""
    return "dr" if has_model else next((e for e in estimators if e not in MODEL_BASED), "ips")


def _by_band(
    data: LoggedData,
    dist: FloatArray,
    q: FloatArray | None,
    estimators: Sequence[str],
    alpha: float,
) -> tuple[BandRow, ...]:
    name = band_estimator(estimators, q is not None)
    bands = data.bands()
    rows: list[BandRow] = []
    for band in BANDS:
        keep = bands == band
        if keep.sum() < 2:
            continue
        (e,) = evaluate(
            data.reward[keep],
            data.action[keep],
            data.pscore[keep],
            dist[keep],
            None if q is None else q[keep],
            estimators=[name],
            alpha=alpha,
            interval="normal",
        )
        rows.append(
            {
                "band": band,
                "rows": int(keep.sum()),
                "estimator": name,
                "value": e.value,
                "ci_low": e.ci_low,
                "ci_high": e.ci_high,
                "logging_value": float(data.reward[keep].mean()),
                "lift": e.lift,
                "lift_ci_low": e.lift_ci_low,
                "lift_ci_high": e.lift_ci_high,
            }
        )
    return tuple(rows)


def _by_offer(data: LoggedData, dist: FloatArray, q: FloatArray | None) -> tuple[OfferRow, ...]:
    """Per offer: shares under both policies and the offer's additive share of the estimate
    (`partials.offer_sums`)."""
    batch = make_batch(data.reward, data.action, data.pscore, dist, q)
    return offer_rows(data.offer_ids, offer_sums(batch, data.logging_dist), q is not None)


def _stepper(progress: Progress | None, label: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    return lambda done: progress(label, done, total)


def _clean(record: Mapping[str, object]) -> dict[str, object]:
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in record.items()
    }


def _estimate(record: Mapping[str, object]) -> Estimate:
    def number(key: str) -> float:
        return _number(record.get(key))

    lambda_ = record.get("lambda_")
    return Estimate(
        name=str(record.get("name", "")),
        value=number("value"),
        ci_low=number("ci_low"),
        ci_high=number("ci_high"),
        se=number("se"),
        lift=number("lift"),
        lift_ci_low=number("lift_ci_low"),
        lift_ci_high=number("lift_ci_high"),
        ess=number("ess"),
        max_weight=number("max_weight"),
        mean_weight=number("mean_weight"),
        unsupported_share=number("unsupported_share"),
        support_known=bool(record.get("support_known", False)),
        n=_count(record.get("n")),
        alpha=number("alpha"),
        interval=str(record.get("interval", "none")),
        lambda_=None if lambda_ is None else number("lambda_"),
    )


def _number(value: object) -> float:
    """A stored number; None (JSON's stand-in for NaN) and anything else read as NaN."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return math.nan


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _numbers(record: Mapping[str, object]) -> dict[str, object]:
    return {k: math.nan if v is None else v for k, v in record.items()}


def _mapping(value: object) -> Mapping[str, object]:
    return cast(Mapping[str, object], value) if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _records(data: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    return [_mapping(item) for item in _list(data.get(key))]
