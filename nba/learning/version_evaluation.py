"""Off-policy evaluation of model versions (and the baseline) on the recent decision log.

Limits: a version evaluated on the logs it was trained on is judged in-sample, so its value
is optimistic; the interval of `lift` is paired with the logging policy's value (same
resamples), the difference between two candidates is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import policies
from nba.domain import Decision
from nba.learning.events import to_candidates, to_context
from nba.ope import Estimate, evaluate
from policies.base import Policy

ESTIMATORS = ("ips", "snips")
MIN_ROWS = 30


@dataclass(frozen=True, slots=True)
class LoggedBatch:
    """Arrays of logged decisions with rewards; column j of (n, K) arrays is `offer_ids[j]`."""

    decisions: tuple[Decision, ...]
    offer_ids: tuple[str, ...]
    action: npt.NDArray[np.int64]
    pscore: npt.NDArray[np.float64]
    reward: npt.NDArray[np.float64]
    logging_dist: npt.NDArray[np.float64]

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.decisions)


def logged_batch(rows: Sequence[tuple[Decision, float]]) -> LoggedBatch:
    """The arrays of `(decision, reward)` rows, e.g. from `storage.recent_rewards`."""
    offer_ids = tuple(sorted({e.offer_id for d, _ in rows for e in d.eligible}))
    column = {offer_id: j for j, offer_id in enumerate(offer_ids)}
    logging = np.zeros((len(rows), len(offer_ids)))
    for i, (d, _) in enumerate(rows):
        for e, p in zip(d.eligible, d.probabilities, strict=True):
            logging[i, column[e.offer_id]] = p
    return LoggedBatch(
        decisions=tuple(d for d, _ in rows),
        offer_ids=offer_ids,
        action=np.array([column[d.chosen] for d, _ in rows], dtype=np.int64),
        pscore=np.array([d.propensity for d, _ in rows], dtype=np.float64),
        reward=np.array([r for _, r in rows], dtype=np.float64),
        logging_dist=logging,
    )


def action_dist(policy: Policy, batch: LoggedBatch) -> npt.NDArray[np.float64]:
    """The policy's probabilities on each logged context, over the logged eligible offers."""
    column = {offer_id: j for j, offer_id in enumerate(batch.offer_ids)}
    dist = np.zeros((batch.n, len(batch.offer_ids)))
    for i, d in enumerate(batch.decisions):
        ranking = policy.rank(to_context(d), to_candidates(d))
        for offer_id, p in zip(ranking.offer_ids, ranking.probabilities, strict=True):
            dist[i, column[offer_id]] = p
    dist /= dist.sum(axis=1, keepdims=True)
    return dist


def estimate(
    policy: Policy,
    batch: LoggedBatch,
    rng: np.random.Generator,
    *,
    alpha: float = 0.05,
    n_bootstrap: int = 200,
) -> dict[str, Estimate]:
    """IPS and SNIPS estimates of `policy` on the batch, with bootstrap intervals."""
    results = evaluate(
        batch.reward,
        batch.action,
        batch.pscore,
        action_dist(policy, batch),
        estimators=ESTIMATORS,
        alpha=alpha,
        n_bootstrap=n_bootstrap,
        random_state=rng,
        logging_dist=batch.logging_dist,
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
        f"{prefix}_ips": estimates["ips"].value,
        f"{prefix}_ess": snips.ess,
    }
