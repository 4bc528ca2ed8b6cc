"""The loops' trainer: learns each slot once its reward is final, and publishes models.

One process at a time trains (the database lease `personalizer_trainer`). A slot is learned
once it is activated and either its first reward came (`rewardAggregation` earliest) or the
reward wait is over (`sum`, or no reward: then `defaultReward`). LoggingOnly slots are
settled without learning; slots older than `logRetentionDays` are deleted. The learner
publishes a model version at most once per `modelExportFrequency`; the serving processes
pick it up (`LoopModels.refresh`).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from nba.personalizer.events import event_of
from nba.personalizer.loops import LoopDirectory, LoopState
from nba.personalizer.models import build_policy, fresh_params, policy_from
from nba.personalizer.values import LoggedSlot
from nba.storage import Database, acquire_lock
from nba.storage import personalizer as store
from policies import Policy

__all__ = ["LEASE", "LoopTrainer"]

log = logging.getLogger(__name__)

LEASE = "personalizer_trainer"
_EXPIRY_EVERY = timedelta(hours=1)


@dataclass
class _Learner:
    policy: Policy
    params: dict[str, object]
    version: int | None
    published_at: datetime | None
    unpublished: int = 0


class LoopTrainer:
    """Learns the loops' final rewards and publishes their models (lease-guarded)."""

    def __init__(
        self,
        database: Database,
        loops: LoopDirectory,
        rng: np.random.Generator,
        clock: Callable[[], datetime],
        *,
        lease_s: float = 15.0,
        batch: int = 5000,
    ) -> None:
        self._database = database
        self._loops = loops
        self._rng = rng
        self._clock = clock
        self._lease_s = lease_s
        self._batch = batch
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._learners: dict[str, _Learner] = {}
        self._expired_at: dict[str, datetime] = {}

    def run(self, *, final: bool = False) -> dict[str, int]:
        """Learn what is due in every loop; the slots learned per loop (empty: no lease).

        `final` (on close) publishes whatever was learned, whatever the export frequency.
        """
        with self._database.session() as session:
            if not acquire_lock(session, LEASE, self._owner, self._lease_s, self._clock()):
                return {}
        learned = {}
        for name in self._loops.names():
            try:
                learned[name] = self.train(self._loops.state(name))
            except Exception:  # one loop's fault (a bad stored model) must not stop the others
                log.exception("personalizer training failed loop=%s", name)
        if final:
            for name, learner in self._learners.items():
                if learner.unpublished:
                    self.publish(name, learner, "online", self._clock())
        return learned

    def train(self, state: LoopState) -> int:
        """Learn one loop's due slots and publish if its export time came; slots learned.

        Once an hour per loop, slots older than `logRetentionDays` (unless -1) are deleted.
        """
        learner = self._learner(state)
        now = self._clock()
        self._expire(state, now)
        service = state.service
        with self._database.session(readonly=True) as session:
            due = store.due_slots(
                session, state.name, now - service.reward_wait,
                earliest=service.reward_aggregation == "earliest", limit=self._batch,
            )  # fmt: skip
        settled: list[tuple[str, str, float]] = []
        events = []
        for slot in due:
            reward = _final_reward(slot, service.default_reward)
            settled.append((slot.event_id, slot.slot_id, reward))
            if slot.mode != "LoggingOnly":
                events.append(event_of(slot, reward))
        if events:
            learner.policy.learn(events)
            learner.unpublished += len(events)
        if settled:
            with self._database.session() as session:
                store.mark_learned(session, state.name, settled, now)
        if learner.unpublished and (
            learner.published_at is None or now - learner.published_at >= service.model_export
        ):
            self.publish(state.name, learner, "online", now)
        return len(events)

    def _expire(self, state: LoopState, now: datetime) -> None:
        days = state.service.log_retention_days
        last = self._expired_at.get(state.name)
        if days < 0 or (last is not None and now - last < _EXPIRY_EVERY):
            return
        with self._database.session() as session:
            gone = store.delete_log_before(session, state.name, now - timedelta(days=days))
        self._expired_at[state.name] = now
        if gone:
            log.info("personalizer log expired loop=%s slots=%d", state.name, gone)

    def publish(self, loop: str, learner: _Learner, source: str, now: datetime) -> int:
        """Publish the learner's model as a new version of `loop`; returns the version."""
        with self._database.session() as session:
            model = store.add_model(session, loop, learner.policy.save(), dict(learner.params),
                                    source, learner.unpublished, now)  # fmt: skip
        learner.version, learner.published_at, learner.unpublished = model.version, now, 0
        log.info("personalizer model published loop=%s version=%d", loop, model.version)
        return model.version

    def _learner(self, state: LoopState) -> _Learner:
        """The loop's learner, reloaded when a version this trainer did not publish appears."""
        learner = self._learners.get(state.name)
        with self._database.session(readonly=True) as session:
            latest = store.latest_version(session, state.name)
            if learner is not None and latest == learner.version:
                return learner
            model = store.latest_model(session, state.name) if latest is not None else None
        rng = self._rng.spawn(1)[0]
        if model is None:
            params = fresh_params(state)
            learner = _Learner(build_policy(params, rng), params, None, None)
        else:
            learner = _Learner(policy_from(model, rng), dict(model.params), model.version,
                               model.created_at)  # fmt: skip
        self._learners[state.name] = learner
        return learner


def _final_reward(slot: LoggedSlot, default: float) -> float:
    if slot.reward_count == 0 or slot.reward is None:
        return default
    return max(-1.0, min(1.0, slot.reward))
