"""The operator's view of model versions: list, activate (rollback), pin, train now."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime

import numpy as np
from sqlmodel import Session

from nba.config import RewardMode, Settings
from nba.domain import Actor, ModelVersion
from nba.errors import Conflict, InvalidInput, NotFound
from nba.learning.keeper import ModelKeeper, load_policy
from nba.learning.trainer import Trainer, TrainingRun
from nba.learning.version_evaluation import (
    MIN_ROWS,
    baseline_policy,
    estimate,
    recent_log,
    summary,
)
from nba.learning.version_figures import VersionFigures, describe
from nba.ope import LoggedData
from nba.ope.run import RewardKind
from nba.schemas import model_reply
from nba.storage import Database, audit, models, recent_rewards, update_model_metrics

log = logging.getLogger(__name__)


class ModelRegistry:
    """Model versions in the database, the trainer, and the live policy of this process."""

    def __init__(
        self,
        database: Database,
        keeper: ModelKeeper,
        trainer: Trainer,
        rng: np.random.Generator,
        settings: Settings,
    ) -> None:
        self._database = database
        self._keeper = keeper
        self._trainer = trainer
        self._rng = rng
        self._rng_lock = threading.Lock()
        self._settings = settings

    def list(self) -> list[ModelVersion]:
        """Every version, newest first (metadata only)."""
        with self._database.session(readonly=True) as session:
            return models.list_model_versions(session)

    def figures(self) -> tuple[VersionFigures, ...]:
        """Every version, newest first, with its figures in plain words."""
        is_rate = self._settings.reward.mode is RewardMode.ACCEPTANCE
        kind: RewardKind = "acceptance" if is_rate else "value"
        return tuple(describe(model, kind) for model in self.list())

    def get(self, version: int) -> ModelVersion:
        """One version's metadata; NotFound if missing."""
        for model in self.list():
            if model.version == version:
                return model
        raise NotFound("model version", str(version))

    def activate(self, version: int, *, actor: Actor = Actor.system()) -> ModelVersion:
        """Make `version` the active model (every worker picks it up within a poll interval).

        Training continues from the activated version; outcomes learned only by versions
        that are left behind by a rollback are not learned again.
        """
        with self._rng_lock:
            # Load the bytes before the switch: a corrupt version raises InvalidModel here and
            # never becomes the active one that every worker would then fail to load.
            load_policy(self._full(version), self._rng)
        with self._database.session() as session:
            before = models.get_model_version(session, version)
            chosen = models.activate_model_version(session, version)
            _audit(session, actor, "activate", before, chosen)
        with self._rng_lock:
            self._keeper.refresh(self._database, self._rng)
        log.info("activated model version %s", version)
        return chosen

    def promote(
        self,
        policy: str,
        params: Mapping[str, object],
        data: bytes,
        watermark: datetime | None,
        metrics: Mapping[str, float],
        *,
        reason: str,
        actor: Actor = Actor.system(),
    ) -> ModelVersion:
        """Save a policy state from outside the trainer (auto-optimize's challenger) as a new
        active version, audited as `promote`; rolling back is activating the previous one.
        Conflict while the active version is pinned."""
        with self._database.session() as session:
            before = models.active_model_version(session)
            if before is not None and before.is_pinned:
                raise Conflict(f"model version {before.version} is pinned; nothing promoted")
            metrics = {**metrics, "base_version": float(before.version if before else 0)}
            saved = models.add_model_version(session, policy, params, data, watermark, metrics)
            _audit(session, actor, "promote", before, saved)
        with self._rng_lock:
            self._keeper.refresh(self._database, self._rng)
        log.info("promoted %s as model version %s", reason, saved.version)
        return saved

    def pin(
        self, version: int, pinned: bool = True, *, actor: Actor = Actor.system()
    ) -> ModelVersion:
        """Pin a version: while the active version is pinned, training never activates another."""
        with self._database.session() as session:
            before = models.get_model_version(session, version)
            changed = models.set_pinned(session, version, pinned)
            _audit(session, actor, "pin" if pinned else "unpin", before, changed)
        log.info("%s model version %s", "pinned" if pinned else "unpinned", version)
        return changed

    def train(self, *, actor: Actor = Actor.system()) -> ModelVersion:
        """Learn every outcome no version has learned, then save a new version now (even with
        nothing new: a snapshot)."""
        saved = self._train(force=True, actor=actor)
        if saved is None:  # a forced run that held the lease always saves
            raise RuntimeError("the trainer saved no version")
        return saved

    def _train(self, *, force: bool, actor: Actor) -> ModelVersion | None:
        run = self._trainer.run(force=force, actor=actor)
        if run.held_by is not None:
            raise Conflict(f"another trainer is running ({run.held_by}); try again shortly")
        if run.version is None:
            return None
        with self._rng_lock:
            self._keeper.refresh(self._database, self._rng)
        return run.version

    def train_outstanding(
        self, *, actor: Actor = Actor.system(), evaluate: bool | None = None
    ) -> TrainingRun:
        """Learn every outcome no version has learned and save a version with them, evaluated
        off-policy when `evaluate` (None: when the settings say so); with nothing to learn,
        save nothing and return a run without a version. Conflict while another trainer runs."""
        run = self._trainer.run(actor=actor)
        if run.held_by is not None:
            raise Conflict(f"another trainer is running ({run.held_by}); try again shortly")
        if run.version is None:
            return run
        with self._rng_lock:
            self._keeper.refresh(self._database, self._rng)
        if self._settings.evaluation.evaluate_versions if evaluate is None else evaluate:
            self.evaluate(run.version.version)
        return run

    def evaluate(self, version: int) -> dict[str, float]:
        """Off-policy evaluation of a version, its base version and the baseline on the recent
        log, stored in the version's metrics (`ope_*`); empty if the log is too short."""
        data = self._recent()
        if data is None:
            return {}
        target = self._full(version)
        metrics = {"ope_n": float(data.n), "ope_logged_value": float(data.reward.mean())}
        with self._rng_lock:
            metrics |= summary("ope", estimate(load_policy(target, self._rng), data, self._rng))
            base = int(dict(target.metrics).get("base_version", 0))
            if base:
                previous = load_policy(self._full(base), self._rng)
                metrics |= summary("ope_previous", estimate(previous, data, self._rng))
            rules = baseline_policy(self._rng)
            metrics |= summary("ope_baseline", estimate(rules, data, self._rng))
        with self._database.session() as session:
            update_model_metrics(session, version, metrics)
        log.info("evaluated model version %s: snips %.4f (baseline %.4f) on %d decisions",
                 version, metrics["ope_snips"], metrics["ope_baseline_snips"], data.n)  # fmt: skip
        return metrics

    def compare(self, a: int, b: int) -> dict[str, object]:
        """Both versions evaluated on the same recent log: value, interval, lift, and which is
        better when their 95% intervals do not overlap (else `better` is None)."""
        data = self._recent()
        if data is None:
            raise InvalidInput(
                "log", f"fewer than {MIN_ROWS} decisions with outcomes to compare on"
            )
        with self._rng_lock:
            found = {
                v: estimate(load_policy(self._full(v), self._rng), data, self._rng)["snips"]
                for v in (a, b)
            }
        better = None
        if found[a].ci_low > found[b].ci_high:
            better = a
        elif found[b].ci_low > found[a].ci_high:
            better = b
        return {
            "n": data.n,
            "logged_value": float(data.reward.mean()),
            "estimator": "snips",
            "versions": {str(v): e.as_dict() for v, e in found.items()},
            "better": better,
        }

    def _recent(self) -> LoggedData | None:
        with self._database.session(readonly=True) as session:
            rows = recent_rewards(
                session,
                self._settings.evaluation.decisions,
                retention=self._settings.reward.mode is RewardMode.RETENTION_VALUE,
            )
        return recent_log(rows)

    def _full(self, version: int) -> ModelVersion:
        with self._database.session(readonly=True) as session:
            stored = models.get_model_version(session, version)
        if stored is None:
            raise NotFound("model version", str(version))
        return stored


def _audit(
    session: Session, actor: Actor, action: str, before: ModelVersion | None, after: ModelVersion
) -> None:
    was = None if before is None else model_reply(before)
    after_json = model_reply(after)
    audit.record_change(
        session, actor, "model", str(after.version), action, before=was, after=after_json
    )
