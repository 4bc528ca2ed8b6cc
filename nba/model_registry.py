"""The operator's view of model versions: list, activate (rollback), pin, train now."""

from __future__ import annotations

import logging

import numpy as np

from nba.domain import ModelVersion
from nba.errors import Conflict, NotFound
from nba.learning import ModelKeeper
from nba.storage import Database, models
from nba.trainer import Trainer

log = logging.getLogger(__name__)


class ModelRegistry:
    """Model versions in the database, the trainer, and the live policy of this process."""

    def __init__(
        self,
        database: Database,
        keeper: ModelKeeper,
        trainer: Trainer,
        rng: np.random.Generator,
    ) -> None:
        self._database = database
        self._keeper = keeper
        self._trainer = trainer
        self._rng = rng

    def list(self) -> list[ModelVersion]:
        """Every version, newest first (metadata only)."""
        with self._database.session(readonly=True) as session:
            return models.list_model_versions(session)

    def get(self, version: int) -> ModelVersion:
        """One version's metadata; NotFound if missing."""
        for model in self.list():
            if model.version == version:
                return model
        raise NotFound("model version", str(version))

    def activate(self, version: int) -> ModelVersion:
        """Make `version` the active model (every worker picks it up within a poll interval).

        Training continues from the activated version; outcomes learned only by versions
        that are left behind by a rollback are not learned again.
        """
        with self._database.session() as session:
            chosen = models.activate_model_version(session, version)
        self._keeper.refresh(self._database, self._rng)
        log.info("activated model version %s", version)
        return chosen

    def pin(self, version: int, pinned: bool = True) -> ModelVersion:
        """Pin a version: while the active version is pinned, training never activates another."""
        with self._database.session() as session:
            changed = models.set_pinned(session, version, pinned)
        log.info("%s model version %s", "pinned" if pinned else "unpinned", version)
        return changed

    def train(self) -> ModelVersion:
        """Learn every outcome no version has learned, then save a new version now."""
        run = self._trainer.run(force=True)
        if run.version is None:
            raise Conflict(f"another trainer is running ({run.held_by}); try again shortly")
        self._keeper.refresh(self._database, self._rng)
        return run.version
