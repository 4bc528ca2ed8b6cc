"""The operator's view of model versions: list, activate (rollback), train now."""

from __future__ import annotations

import logging

import numpy as np

import policies
from nba.domain import ModelVersion
from nba.errors import NotFound
from nba.learning import ModelKeeper
from nba.storage import Database, models

log = logging.getLogger(__name__)


class ModelRegistry:
    """Model versions in the database and the live policy of this process."""

    def __init__(self, database: Database, keeper: ModelKeeper, rng: np.random.Generator) -> None:
        self._database = database
        self._keeper = keeper
        self._rng = rng

    def list(self) -> list[ModelVersion]:
        """Every version, newest first (metadata only)."""
        with self._database.session(readonly=True) as session:
            return models.list_model_versions(session)

    def activate(self, version: int) -> ModelVersion:
        """Make `version` the active model and serve it in this process at once."""
        with self._database.session() as session:
            if models.get_model_version(session, version) is None:
                raise NotFound("model version", str(version))
            chosen = models.activate_model_version(session, version)
            stored = models.get_model_version(session, version)
        assert stored is not None
        policy = policies.get(stored.policy, rng=self._rng, **dict(stored.params))
        policy.load(stored.data)
        self._keeper.replace(policy, version=version, watermark=stored.watermark)
        log.info("activated model version %s", version)
        return chosen

    def train(self) -> ModelVersion:
        """Learn every stored outcome past the watermark, then save a new version."""
        self._keeper.catch_up(self._database)
        version = self._keeper.save(self._database, force=True)
        assert version is not None
        with self._database.session() as session:
            saved = models.get_model_version(session, version)
        assert saved is not None
        return saved
