"""The model a campaign scores with: the active version's bytes, shipped once, rebuilt anywhere.

A `ModelSource` is a small picklable value (policy name, parameters, saved bytes), so the
Dask engine sends it to each worker once and every engine scores with the same state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

import policies
from nba.config import Settings
from nba.errors import NotFound
from nba.learning.keeper import serving_params
from nba.reward import fresh_policy_params
from nba.storage import Database, models
from policies.base import Policy


@dataclass(frozen=True, slots=True)
class ModelSource:
    """Enough to rebuild the policy that scores: `version` None means a fresh policy."""

    policy: str
    params: Mapping[str, object] = field(default_factory=dict)
    data: bytes | None = None
    version: int | None = None
    seed: int = 0

    def build(self) -> Policy:
        """The policy, scoring each offer by its estimate of the reward (as served)."""
        rng = np.random.default_rng(self.seed)
        policy = policies.get(self.policy, rng=rng, **serving_params(self.policy, self.params))
        if self.data is not None:
            policy.load(self.data)
        return policy


def model_source(
    database: Database, settings: Settings, seed: int, version: int | None = None
) -> ModelSource:
    """The stored `version` (None: the active one; a fresh policy when none is active)."""
    with database.session(readonly=True) as session:
        stored = (
            models.active_model_version(session)
            if version is None
            else models.get_model_version(session, version)
        )
    if stored is None:
        if version is not None:
            raise NotFound("model version", str(version))
        name = settings.policy_name
        params = fresh_policy_params(name, settings.learning.policy_params, settings.reward.mode)
        return ModelSource(name, dict(params), None, None, seed)
    return ModelSource(stored.policy, dict(stored.params), stored.data, stored.version, seed)
