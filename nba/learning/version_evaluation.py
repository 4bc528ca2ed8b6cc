"""Off-policy evaluation of model versions (and the baseline) on the recent decision log.

The log and the estimates come from `nba.ope`: `from_decisions` for the arrays, `score` for a
version's probabilities on each logged decision, `evaluate` for the values and intervals.

Limits: a version evaluated on the logs it was trained on is judged in-sample, so its value
is optimistic; the interval of `lift` is paired with the logging policy's value (same
resamples), the difference between two versions is not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import policies
from nba.domain import Decision
from nba.ope import Estimate, LoggedData, evaluate, from_decisions, score
from policies.base import Policy

ESTIMATORS = ("ips", "snips")
MIN_ROWS = 30


def recent_log(
    rows: Sequence[tuple[Decision, float]], min_rows: int = MIN_ROWS
) -> LoggedData | None:
    """The log of `(decision, reward)` rows (e.g. `storage.recent_rewards`); None if shorter than
    `min_rows`."""
    return from_decisions(rows) if len(rows) >= max(1, min_rows) else None


def estimate(
    policy: Policy,
    data: LoggedData,
    rng: np.random.Generator,
    *,
    alpha: float = 0.05,
    n_bootstrap: int = 200,
) -> dict[str, Estimate]:
    """IPS and SNIPS estimates of `policy` on the log, with bootstrap intervals."""
    results = evaluate(
        data.reward,
        data.action,
        data.pscore,
        score(policy, data),
        estimators=ESTIMATORS,
        alpha=alpha,
        n_bootstrap=n_bootstrap,
        random_state=rng,
        logging_dist=data.logging_dist,
    )
    return {r.name: r for r in results}


def baseline_policy(rng: np.random.Generator) -> Policy:
    """The baseline every version is compared with: the churn-band rules."""
    return policies.get("rules", rng=rng)


def summary(prefix: str, estimates: dict[str, Estimate]) -> dict[str, float]:
    """Flat float metrics of an evaluation, e.g. `ope_snips`, `ope_snips_ci_low`."""
    snips = estimates["snips"]
    return {
        f"{prefix}_snips": snips.value,
        f"{prefix}_snips_ci_low": snips.ci_low,
        f"{prefix}_snips_ci_high": snips.ci_high,
        f"{prefix}_snips_lift_ci_low": snips.lift_ci_low,
        f"{prefix}_snips_lift_ci_high": snips.lift_ci_high,
        f"{prefix}_ips": estimates["ips"].value,
        f"{prefix}_ess": snips.ess,
    }
