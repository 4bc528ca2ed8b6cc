"""Apprentice mode: the churn-band rules decide (with exploration) while the learner trains.

The learner graduates to serving when off-policy evaluation on the rules' own logs shows it
beats the rules with 95% confidence: the lower 5% bound of a paired bootstrap of the SNIPS
difference (learner - near-greedy rules) is above 0. Both policies are scored and estimated
by `nba.ope` (`score`, then `evaluate` with the rules as `baseline_dist`, Poisson bootstrap).
An operator may also graduate it by hand. The state is shared by every process through the
database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

import policies
from nba.clock import utc_now
from nba.config import Settings
from nba.domain import Actor
from nba.learning.keeper import load_policy
from nba.learning.version_evaluation import MIN_ROWS, recent_log
from nba.ope import LoggedData, evaluate, score
from nba.ope.batch import FloatArray
from nba.storage import Database, audit, get_state, models, recent_rewards, set_state
from policies.base import Candidate, Context, Explainer, Ranking, Reason

log = logging.getLogger(__name__)

STATE = "apprentice"
BASELINE = "rules"
N_BOOTSTRAP = 1000
ONE_SIDED_ALPHA = 0.05
"""The learner wins when the 5% quantile of the difference is above 0 (95% confidence)."""


@dataclass(frozen=True, slots=True)
class ApprenticeStatus:
    """Whether the baseline still decides, and the evidence of the last check."""

    enabled: bool
    graduated: bool
    graduated_by: str | None = None
    graduated_at: str | None = None
    evidence: dict[str, float] = field(default_factory=dict)

    @property
    def is_serving_baseline(self) -> bool:
        """Whether the baseline makes the decisions now."""
        return self.enabled and not self.graduated


class Apprentice:
    """The baseline policy and the graduation rule of one process."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        rng: np.random.Generator,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._clock = clock
        self._settings = settings
        self._rng = rng
        self._lock = threading.Lock()
        self._baseline = policies.get(
            BASELINE, rng=rng, epsilon=settings.learning.apprentice_epsilon
        )
        self._status = ApprenticeStatus(enabled=settings.learning.apprentice, graduated=False)
        if settings.learning.apprentice:
            self.refresh()

    @property
    def is_serving_baseline(self) -> bool:
        """Whether decisions come from the baseline (apprentice on and not graduated)."""
        return self._status.is_serving_baseline

    @property
    def policy_name(self) -> str:
        return BASELINE

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """The baseline's ranking, exploration included (its propensities are logged)."""
        with self._lock:
            return self._baseline.rank(context, candidates)

    def explain(
        self, context: Context, candidates: Sequence[Candidate], index: int
    ) -> tuple[Reason, ...] | None:
        """The baseline's reasons for one candidate (the rules do not learn: they are the
        reasons it had at any time), or None if the baseline cannot say."""
        with self._lock:
            if not isinstance(self._baseline, Explainer):
                return None
            return self._baseline.explain(context, candidates, index)

    def refresh(self) -> ApprenticeStatus:
        """Read the shared state (another process may have graduated the learner)."""
        with self._database.session(readonly=True) as session:
            stored = get_state(session, STATE) or {}
        self._status = ApprenticeStatus(
            enabled=self._settings.learning.apprentice,
            graduated=bool(stored.get("graduated", False)),
            graduated_by=stored.get("graduated_by"),
            graduated_at=stored.get("graduated_at"),
            evidence={k: float(v) for k, v in stored.get("evidence", {}).items()},
        )
        return self._status

    def status(self) -> ApprenticeStatus:
        """The current state, fresh from the database."""
        return self.refresh()

    def graduate(self, by: str = "operator", *, actor: Actor = Actor.system()) -> ApprenticeStatus:
        """Let the learner serve from now on (every process follows within a poll interval)."""
        evidence = self.refresh().evidence
        self._store(graduated=True, by=by, evidence=evidence, actor=actor)
        log.info("apprentice graduated by %s", by)
        return self.refresh()

    def check(self) -> ApprenticeStatus:
        """Evaluate the newest learner version on the baseline's logs; graduate if it wins."""
        status = self.refresh()
        if not status.is_serving_baseline:
            return status
        with self._database.session(readonly=True) as session:
            learner = models.latest_model_version(session)
            rows = recent_rewards(session, self._settings.evaluation.decisions, BASELINE)
        evidence: dict[str, float] = {"n": float(len(rows))}
        wins = False
        min_rows = max(MIN_ROWS, self._settings.learning.apprentice_min_outcomes)
        if learner is not None and (data := recent_log(rows, min_rows)) is not None:
            with self._lock:
                target = score(load_policy(learner, self._rng), data)
                rules = score(policies.get(BASELINE, rng=self._rng, epsilon=1e-3), data)
                evidence |= paired_snips(data, target, rules, self._rng)
            evidence["learner_version"] = float(learner.version)
            wins = evidence["difference_ci_low"] > 0
        by = "evaluation" if wins else None
        self._store(
            graduated=wins, by=by, evidence=evidence, actor=Actor.system() if wins else None
        )
        if wins:
            log.info("apprentice graduated: learner beats the rules (%s)", evidence)
        return self.refresh()

    def _store(
        self,
        *,
        graduated: bool,
        by: str | None,
        evidence: dict[str, float],
        actor: Actor | None = None,
    ) -> None:
        """Write the shared state; a graduation (`actor` given) goes on the audit log."""
        value = {
            "graduated": graduated,
            "graduated_by": by,
            "graduated_at": self._clock().isoformat() if graduated else None,
            "evidence": evidence,
        }
        with self._database.session() as session:
            before = get_state(session, STATE)
            set_state(session, STATE, value)
            if actor is not None:
                audit.record_change(
                    session, actor, "apprentice", STATE, "graduate", before=before, after=value
                )


def paired_snips(
    data: LoggedData,
    target: FloatArray,
    baseline: FloatArray,
    rng: np.random.Generator,
    n_bootstrap: int = N_BOOTSTRAP,
) -> dict[str, float]:
    """SNIPS of both policies and a paired Poisson bootstrap of their difference.

    `difference_ci_low` is the 5% quantile: above 0 means target > baseline with 95%
    (one-sided) confidence; `difference_ci_high` is the 95% quantile.
    """
    (snips,) = evaluate(
        data.reward,
        data.action,
        data.pscore,
        target,
        estimators=("snips",),
        alpha=2 * ONE_SIDED_ALPHA,
        n_bootstrap=n_bootstrap,
        random_state=rng,
        scheme="poisson",
        logging_dist=data.logging_dist,
        baseline_dist=baseline,
    )
    return {
        "learner_snips": snips.value,
        "baseline_snips": snips.value - snips.lift,
        "logged_value": float(data.reward.mean()),
        "difference": snips.lift,
        "difference_ci_low": snips.lift_ci_low,
        "difference_ci_high": snips.lift_ci_high,
    }
