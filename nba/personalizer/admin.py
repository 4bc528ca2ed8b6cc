"""A loop's administration: service configuration, learning settings, model and log.

What Personalizer's `configurations/*`, `model*` and `logs*` paths do, on nba's loop: a
change of learning settings, a model import and a model reset each publish a new model
version, which the trainer and every serving process then take up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np

from nba.personalizer.errors import PersonalizerError
from nba.personalizer.learning_settings import LearningSettings
from nba.personalizer.loops import LoopDirectory, LoopState
from nba.personalizer.models import LoopModels, build_policy, fresh_params
from nba.personalizer.values import LoggedSlot
from nba.storage import Database
from nba.storage import personalizer as store
from policies import InvalidModel, Policy
from policies.vw import VWPolicy

__all__ = ["LoopAdmin"]


class LoopAdmin:
    """Settings, model and log operations of the loops."""

    def __init__(
        self,
        database: Database,
        loops: LoopDirectory,
        models: LoopModels,
        rng: np.random.Generator,
        clock: Callable[[], datetime],
    ) -> None:
        self._database = database
        self._loops = loops
        self._models = models
        self._rng = rng
        self._rng_lock = threading.Lock()
        self._clock = clock

    def service_configuration(self, loop: str) -> dict[str, Any]:
        """The loop's service configuration in Personalizer's shape."""
        return self._loops.state(loop).service.to_json()

    def update_service_configuration(self, loop: str, body: object) -> dict[str, Any]:
        """Validate and store a new service configuration; the stored one."""
        state = self._loops.state(loop)
        updated = state.service.updated(body, self._clock())
        return self._loops.set_service(loop, updated).service.to_json()

    def policy(self, loop: str) -> dict[str, str]:
        """The loop's learning settings `{"name", "arguments"}`."""
        return self._loops.state(loop).learning.to_json()

    def update_policy(self, loop: str, body: object) -> dict[str, str]:
        """New learning settings: validated, stored, and a fresh model published with them."""
        learning = LearningSettings.parse(body)
        state = self._loops.set_learning(loop, learning)
        self._publish(state, self._fresh(state), "policy")
        return learning.to_json()

    def reset_policy(self, loop: str) -> dict[str, str]:
        """Back to nba's default learning settings (and a fresh model)."""
        return self.update_policy(loop, LearningSettings.default().to_json())

    def export_model(self, loop: str) -> bytes:
        """The VW model bytes of the loop's newest model (a fresh one if none was published)."""
        state = self._loops.state(loop)
        policy, _ = self._models.policy(state)
        if not isinstance(policy, VWPolicy):
            raise PersonalizerError("InternalServerError", "the loop's policy is not VW")
        return policy.vw_model()

    def import_model(self, loop: str, data: bytes) -> int:
        """Serve VW model bytes (a Personalizer export, or `export_model` output); version."""
        state = self._loops.state(loop)
        policy = self._fresh(state)
        try:
            policy.load(bytes(data))
        except InvalidModel as error:
            raise PersonalizerError(
                "InvalidModelImportFormat", f"not a VW model this loop can use: {error}"
            ) from None
        return self._publish(state, policy, "import")

    def reset_model(self, loop: str) -> int:
        """Forget everything learned: publish a fresh model; returns its version."""
        state = self._loops.state(loop)
        return self._publish(state, self._fresh(state), "reset")

    def model_properties(self, loop: str) -> dict[str, Any]:
        """`{"creationTime", "lastModifiedTime"}` of the loop's model."""
        state = self._loops.state(loop)
        with self._database.session(readonly=True) as session:
            latest = store.latest_model(session, loop)
            first = store.first_model_time(session, loop)
        created = first or state.created_at
        modified = latest.created_at if latest is not None else state.created_at
        return {"creationTime": created.isoformat(), "lastModifiedTime": modified.isoformat()}

    def log_properties(self, loop: str) -> dict[str, Any]:
        """`{"dateRange": {"from", "to"}}` of the loop's log (nulls when it is empty)."""
        self._loops.state(loop)
        with self._database.session(readonly=True) as session:
            first, last, _ = store.log_range(session, loop)
        return {"dateRange": {"from": _iso(first), "to": _iso(last)}}

    def delete_logs(self, loop: str) -> int:
        """Delete the loop's whole log (models and settings stay); the slots deleted."""
        self._loops.state(loop)
        with self._database.session() as session:
            return store.delete_log(session, loop)

    def adopt(self, loop: str, learning: LearningSettings, policy: Policy) -> int:
        """Serve new learning settings with a model already trained by them; its version."""
        state = self._loops.set_learning(loop, learning)
        return self._publish(state, policy, "evaluation")

    def logged(
        self, loop: str, start: datetime | None = None, end: datetime | None = None
    ) -> list[LoggedSlot]:
        """The loop's logged slots between `start` and `end`, oldest first."""
        self._loops.state(loop)
        with self._database.session(readonly=True) as session:
            return store.logged_slots(session, loop, start, end)

    def _fresh(self, state: LoopState) -> Policy:
        with self._rng_lock:
            rng = self._rng.spawn(1)[0]
        return build_policy(fresh_params(state), rng)

    def _publish(self, state: LoopState, policy: Policy, source: str) -> int:
        with self._database.session() as session:
            model = store.add_model(session, state.name, policy.save(), dict(policy.params),
                                    source, 0, self._clock())  # fmt: skip
        self._models.forget(state.name)
        return model.version


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
