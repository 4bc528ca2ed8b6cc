"""The learned policy against the churn-band rules and random, estimated off-policy on the
recent log: the overview's comparison, computed by a scheduled job and stored, so that the
page only reads it.

The window is the newest `decisions` decisions that have an outcome; the learned policy is
the active model version, which has learned from part of that window (its estimate is
in-sample, so optimistic). Each candidate is estimated by SNIPS and DR (`nba.ope`), with 95%
bootstrap intervals and its lift over the logging policy (paired resamples).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from nba.clock import parse_time, utc_now
from nba.domain import FeedbackKind, ModelVersion
from nba.evaluation.jobs import catalog_categories
from nba.learning.trainer import process_owner
from nba.learning.version_evaluation import MIN_ROWS, recent_log
from nba.ope import (
    CandidatePolicy,
    Estimate,
    LearnerCandidate,
    RulesCandidate,
    UniformCandidate,
    run_evaluation,
)
from nba.storage import (
    Database,
    acquire_lock,
    count_feedback,
    get_state,
    models,
    recent_rewards,
    release_lock,
    set_state,
)

log = logging.getLogger(__name__)

STATE = "policy_comparison"
LEASE = "policy_comparison"
LEASE_S = 600.0
ESTIMATORS = ("snips", "dr")
N_BOOTSTRAP = 200
LABELS = {
    "learned": "learned policy (active model version)",
    "rules": "churn-band rules",
    "random": "random among eligible offers",
    "logged": "as logged (what the service did)",
}


@dataclass(frozen=True, slots=True)
class PolicyEstimate:
    """One policy's estimated value by one estimator, with its 95% interval and its lift over
    the logging policy (None for the logged row itself)."""

    policy: str
    estimator: str
    value: float
    ci_low: float
    ci_high: float
    lift: float | None = None
    lift_ci_low: float | None = None
    lift_ci_high: float | None = None
    ess: float | None = None

    @property
    def label(self) -> str:
        """The policy in words."""
        return LABELS.get(self.policy, self.policy)


@dataclass(frozen=True, slots=True)
class Comparison:
    """A stored comparison: when, on which window, which version, and the estimates.

    `note` says in words why some or all estimates are missing (too few outcomes, no model
    version yet); `estimates` then holds what could be estimated.
    """

    computed_at: datetime
    rows: int
    window_start: datetime | None
    window_end: datetime | None
    model_version: int | None
    reward_mode: str
    estimates: tuple[PolicyEstimate, ...]
    note: str | None = None

    def of(self, policy: str, estimator: str) -> PolicyEstimate | None:
        """The estimate of `policy` by `estimator`, if there is one."""
        return next(
            (e for e in self.estimates if e.policy == policy and e.estimator == estimator), None
        )


class PolicyComparison:
    """Runs the comparison (`run`, scheduled) and reads the last one stored (`latest`)."""

    def __init__(
        self,
        database: Database,
        rng: np.random.Generator,
        *,
        decisions: int,
        reward_mode: str,
        retention: bool = False,
        clock: Callable[[], datetime] = utc_now,
        owner: str | None = None,
    ) -> None:
        self._database = database
        self._rng = rng
        self._decisions = decisions
        self._reward_mode = reward_mode
        self._retention = retention
        self._clock = clock
        self._owner = owner or process_owner()
        self._running = threading.Lock()

    def latest(self) -> Comparison | None:
        """The last comparison stored, or None before the first run."""
        with self._database.session(readonly=True) as session:
            stored = get_state(session, STATE)
        return None if stored is None else _from_json(stored["comparison"])

    def run(self, *, force: bool = False) -> Comparison | None:
        """Estimate and store the comparison; None (nothing done) when neither the outcomes
        nor the active version changed since the last one (unless `force`), or when another
        process holds the lease (one comparison at a time over every process)."""
        with self._running:
            with self._database.session() as session:
                if not acquire_lock(session, LEASE, self._owner, LEASE_S, self._clock()):
                    return None
            try:
                return self._run(force)
            finally:
                with self._database.session() as session:
                    release_lock(session, LEASE, self._owner)

    def _run(self, force: bool) -> Comparison | None:
        with self._database.session(readonly=True) as session:
            outcomes = count_feedback(session, FeedbackKind.ACCEPTANCE)
            active = models.active_model_version(session)
            stored = get_state(session, STATE)
        version = None if active is None else active.version
        fingerprint = {"outcomes": outcomes, "model_version": version}
        if not force and stored is not None and stored.get("fingerprint") == fingerprint:
            return None
        comparison = self._compare(active)
        with self._database.session() as session:
            set_state(session, STATE, {"fingerprint": fingerprint, "comparison": _json(comparison)})
        log.info("policy comparison stored: %d decisions, model version %s",
                 comparison.rows, comparison.model_version)  # fmt: skip
        return comparison

    def _compare(self, active: ModelVersion | None) -> Comparison:
        with self._database.session(readonly=True) as session:
            rows = recent_rewards(session, self._decisions, retention=self._retention)
        data = recent_log(rows)
        now = self._clock()
        version = None if active is None else active.version
        if data is None:
            too_few = (
                f"{len(rows)} decisions have an outcome so far; the comparison needs at least "
                f"{MIN_ROWS}."
            )
            return Comparison(now, len(rows), None, None, version, self._reward_mode, (), too_few)
        categories = catalog_categories(self._database)
        candidates: list[CandidatePolicy] = [
            RulesCandidate(categories=categories, name="rules"),
            UniformCandidate(name="random"),
        ]
        note = None
        if active is None:
            note = "No model version has been trained yet, so the learned policy is not shown."
        else:
            learned = LearnerCandidate(
                active.policy, dict(active.params), active.data, categories, name="learned"
            )
            candidates.insert(0, learned)
        result = run_evaluation(
            data, candidates, ESTIMATORS, n_bootstrap=N_BOOTSTRAP,
            seed=int(self._rng.integers(2**31)), source="recent decision log",
        )  # fmt: skip
        estimates = [_estimate("logged", "on_policy", result.baseline, lift=False)]
        for candidate in result.candidates:
            estimates += [_estimate(candidate.name, e.name, e) for e in candidate.estimates]
        start, end = rows[0][0].ts, rows[-1][0].ts
        return Comparison(
            now, data.n, start, end, version, self._reward_mode, tuple(estimates), note
        )


def _estimate(policy: str, estimator: str, e: Estimate, *, lift: bool = True) -> PolicyEstimate:
    return PolicyEstimate(
        policy=policy,
        estimator=estimator,
        value=e.value,
        ci_low=e.ci_low,
        ci_high=e.ci_high,
        lift=e.lift if lift else None,
        lift_ci_low=e.lift_ci_low if lift else None,
        lift_ci_high=e.lift_ci_high if lift else None,
        ess=e.ess if lift else None,
    )


def _json(c: Comparison) -> dict[str, object]:
    def time(t: datetime | None) -> str | None:
        return None if t is None else t.isoformat()

    return {
        "computed_at": time(c.computed_at),
        "rows": c.rows,
        "window_start": time(c.window_start),
        "window_end": time(c.window_end),
        "model_version": c.model_version,
        "reward_mode": c.reward_mode,
        "note": c.note,
        "estimates": [
            {k: _finite(getattr(e, k)) for k in PolicyEstimate.__dataclass_fields__}
            for e in c.estimates
        ],
    }


def _from_json(raw: Mapping[str, object]) -> Comparison:
    def time(value: object, name: str) -> datetime | None:
        return None if value is None else parse_time(value, name)

    computed_at = parse_time(raw["computed_at"], "computed_at")
    estimates = raw.get("estimates")
    version = raw.get("model_version")
    rows = raw.get("rows")
    note = raw.get("note")
    return Comparison(
        computed_at=computed_at,
        rows=rows if isinstance(rows, int) else 0,
        window_start=time(raw.get("window_start"), "window_start"),
        window_end=time(raw.get("window_end"), "window_end"),
        model_version=version if isinstance(version, int) else None,
        reward_mode=str(raw.get("reward_mode", "acceptance")),
        estimates=tuple(
            _estimate_from(e) for e in (estimates if isinstance(estimates, list) else [])
        ),
        note=note if isinstance(note, str) else None,
    )


def _estimate_from(raw: Mapping[str, object]) -> PolicyEstimate:
    def number(key: str) -> float | None:
        value = raw.get(key)
        return float(value) if isinstance(value, int | float) else None

    return PolicyEstimate(
        policy=str(raw["policy"]),
        estimator=str(raw["estimator"]),
        value=number("value") or 0.0,
        ci_low=_nan(number("ci_low")),
        ci_high=_nan(number("ci_high")),
        lift=number("lift"),
        lift_ci_low=number("lift_ci_low"),
        lift_ci_high=number("lift_ci_high"),
        ess=number("ess"),
    )


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value
