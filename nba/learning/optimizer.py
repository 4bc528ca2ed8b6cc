"""Auto-optimize: compare every challenger with the champion off-policy, promote a clear winner.

A comparison runs inside the trainer lease (so no training run activates another version
meanwhile). It scores the newest `holdout` decisions with an outcome, which no challenger has
learned (`nba.learning.challengers`), with the champion (the active version, as served) and
with each challenger, and estimates every challenger's value by SNIPS and DR (`nba.ope`),
with the 95% interval of its lift over the champion from paired bootstrap resamples of the
same rows (`evaluate(..., baseline_dist=champion)`). A challenger is promoted only when the
lower bounds of both lifts are above zero and the effective sample size of its weights is at
least `min_ess`; of several, the one with the highest SNIPS lower bound. The promoted copy
first learns the held-out decisions (so the new version misses none), then becomes a new
model version, active, through the registry (audited; rolling back is activating the previous
version). Every comparison is stored, promotion or not.

Limits: the champion has learned the held-out decisions (in-sample, so its estimate is
optimistic): this makes promotion harder, never easier. Challengers learn outcome rewards:
under `retention_value` nothing is compared.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping
from datetime import datetime

import numpy as np
import numpy.typing as npt

import policies
from nba.clock import utc_now
from nba.config import RewardMode, Settings
from nba.domain import Actor, Decision, Optimization
from nba.errors import Conflict
from nba.learning.challengers import ChallengerPool
from nba.learning.events import to_event
from nba.learning.keeper import load_policy
from nba.learning.registry import ModelRegistry
from nba.learning.trainer import Trainer
from nba.learning.version_evaluation import MIN_ROWS
from nba.ope import Estimate, evaluate, from_decisions, score
from nba.ope.batch import FloatArray
from nba.storage import Database, models
from nba.storage import optimization as store

log = logging.getLogger(__name__)

ESTIMATORS = ("snips", "dr")
N_BOOTSTRAP = 200
ALPHA = 0.05


class AutoOptimizer:
    """Runs comparisons (`run`, scheduled or on demand) and reads their history (`history`)."""

    def __init__(
        self,
        database: Database,
        pool: ChallengerPool,
        registry: ModelRegistry,
        trainer: Trainer,
        settings: Settings,
        rng: np.random.Generator,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._pool = pool
        self._registry = registry
        self._trainer = trainer
        self._settings = settings
        self._rng = rng
        self._rng_lock = threading.Lock()
        self._clock = clock

    def history(self, limit: int = 50) -> list[Optimization]:
        """The newest `limit` comparisons, newest first."""
        with self._database.session(readonly=True) as session:
            return store.list_optimizations(session, limit)

    def run(self, *, actor: Actor = Actor.system()) -> Optimization:
        """One comparison now (and a promotion if one is earned); Conflict while another
        process holds the trainer lease."""
        done = self._trainer.exclusive(lambda: self._compare(actor))
        if done is None:
            raise Conflict("another trainer is running; try again shortly")
        return done

    def run_scheduled(self) -> Optimization | None:
        """The scheduled comparison: None when another process holds the trainer lease."""
        return self._trainer.exclusive(lambda: self._compare(Actor.system()))

    def _compare(self, actor: Actor) -> Optimization:
        learning = self._settings.learning
        if self._settings.reward.mode is RewardMode.RETENTION_VALUE:
            return self._store(None, 0, [], note="not compared under retention_value rewards")
        with self._rng_lock:
            self._pool.learn(learning.train_max_events, self._trainer.renew)
        with self._database.session(readonly=True) as session:
            rows, _ = store.holdout(session, learning.auto_optimize_holdout)
            champion = models.active_model_version(session)
        if champion is None:
            return self._store(None, len(rows), [], note="no model version is active yet")
        if len(rows) < MIN_ROWS:
            note = f"{len(rows)} held-out decisions with an outcome; at least {MIN_ROWS} needed"
            return self._store(champion.version, len(rows), [], note=note)
        data = from_decisions(rows)
        with self._rng_lock:
            champion_dist = score(load_policy(champion, self._rng, serving=True), data)
            current = self._pool.current()
            dists = {name: score(policy, data) for name, (_, policy) in current.items()}
            results = judge(
                data.reward, data.action, data.pscore, champion_dist, dists,
                min_ess=learning.auto_optimize_min_ess, rng=self._rng,
                logging_dist=data.logging_dist,
            )  # fmt: skip
        for result in results:
            state = current[str(result["name"])][0]
            result |= {"policy": state.policy, "learned": state.learned}
        winners = [r for r in results if r["promotable"]]
        if not winners:
            return self._store(champion.version, data.n, results)
        if champion.is_pinned:
            note = f"model version {champion.version} is pinned: nothing promoted"
            return self._store(champion.version, data.n, results, note=note)
        best = max(winners, key=lambda r: _lift_low(r, "snips"))
        version = self._promote(str(best["name"]), rows, actor)
        return self._store(champion.version, data.n, results, best["name"], version)

    def _promote(self, name: str, rows: list[tuple[Decision, float]], actor: Actor) -> int:
        state, _ = self._pool.current()[name]
        with self._rng_lock:
            policy = policies.get(state.policy, rng=self._rng, **dict(state.params))
            if state.data:
                policy.load(state.data)
            policy.learn([to_event(decision, reward) for decision, reward in rows])
        watermark = max(d.ts for d, _ in rows)
        metrics = {"promoted_learned": float(state.learned + len(rows))}
        saved = self._registry.promote(
            policy.name, dict(policy.params), policy.save(), watermark, metrics,
            reason=f"challenger {name!r}", actor=actor,
        )  # fmt: skip
        log.info("auto-optimize promoted challenger %s as model version %s", name, saved.version)
        return saved.version

    def _store(
        self,
        champion: int | None,
        rows: int,
        results: list[dict[str, object]],
        promoted: object = None,
        version: int | None = None,
        *,
        note: str | None = None,
    ) -> Optimization:
        with self._database.session() as session:
            return store.add_optimization(
                session, self._clock(), champion, rows, results,
                None if promoted is None else str(promoted), version, note,
            )  # fmt: skip


def judge(
    reward: FloatArray,
    action: npt.NDArray[np.int64],
    pscore: FloatArray,
    champion_dist: FloatArray,
    challenger_dists: Mapping[str, FloatArray],
    *,
    min_ess: float,
    rng: np.random.Generator,
    logging_dist: FloatArray | None = None,
) -> list[dict[str, object]]:
    """Every challenger against the champion on the same logged rows (arrays as in
    `nba.ope.evaluate`; dists (n, n_actions)): SNIPS and DR values, lifts over the champion
    with paired 95% intervals, the effective sample size, and whether it is `promotable`
    (both lower bounds above zero and ess >= `min_ess`). One JSON-ready dict per challenger,
    in the order given."""
    results = []
    for name, dist in challenger_dists.items():
        found = evaluate(
            reward, action, pscore, dist, estimators=ESTIMATORS, alpha=ALPHA,
            n_bootstrap=N_BOOTSTRAP, random_state=rng, logging_dist=logging_dist,
            baseline_dist=champion_dist,
        )  # fmt: skip
        results.append(_result(name, {e.name: e for e in found}, min_ess))
    return results


def _result(name: str, estimates: Mapping[str, Estimate], min_ess: float) -> dict[str, object]:
    """One challenger's row of a comparison, JSON-ready, with its verdict."""
    ess = estimates["snips"].ess
    is_better = all(estimates[e].lift_ci_low > 0 for e in ESTIMATORS)
    is_enough = math.isfinite(ess) and ess >= min_ess
    row: dict[str, object] = {"name": name, "ess": ess}
    for e in ESTIMATORS:
        found = estimates[e]
        row[e] = {
            "value": found.value,
            "champion_value": found.value - found.lift,
            "lift": found.lift,
            "lift_ci_low": found.lift_ci_low,
            "lift_ci_high": found.lift_ci_high,
        }
    row["promotable"] = is_better and is_enough
    row["min_ess"] = min_ess
    row["verdict"] = _verdict(estimates, is_better, is_enough, ess, min_ess)
    return {k: _finite(v) for k, v in row.items()}


def _verdict(
    estimates: Mapping[str, Estimate], is_better: bool, is_enough: bool, ess: float, min: float
) -> str:
    if is_better and is_enough:
        return "better than the champion by both estimators"
    if is_better:
        return f"better, but the effective sample size {ess:.0f} is below {min:.0f}"
    if all(estimates[e].lift_ci_high < 0 for e in ESTIMATORS):
        return "worse than the champion"
    return "not shown better than the champion"


def _lift_low(result: Mapping[str, object], estimator: str) -> float:
    found = result[estimator]
    return float(found["lift_ci_low"]) if isinstance(found, Mapping) else -math.inf


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def lift_in_words(result: Mapping[str, object], estimator: str) -> str:
    """A challenger's lift by `estimator` in words, e.g. "+0.021 (95% interval +0.008 to
    +0.034)"."""
    found = result.get(estimator)
    if not isinstance(found, Mapping) or found.get("lift") is None:
        return "not estimated"
    low, high = found.get("lift_ci_low"), found.get("lift_ci_high")
    if low is None or high is None:
        return f"{found['lift']:+.4f} (no interval)"
    return f"{found['lift']:+.4f} (95% interval {low:+.4f} to {high:+.4f})"


def outcome_in_words(found: Optimization) -> str:
    """What a comparison changed, in words."""
    if found.promoted is not None:
        return f"promoted {found.promoted} as model version {found.promoted_version}"
    return f"nothing changed: {found.note}" if found.note else "nothing changed"


__all__ = ["AutoOptimizer", "judge", "lift_in_words", "outcome_in_words"]
