"""The trainer of record: one at a time across processes, it learns what no version has learned.

A run takes the `trainer` lease in the database, continues from its base version (the active
one; the newest one while the active version is pinned), learns the unlearned outcomes (and
retention answers) in batches, and stores the new version together with the marks of what it
learned, in one transaction that also checks the lease is still held. A crash before that
commit leaves no version and no marks: the next run learns the same outcomes again, once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

import policies
from nba.config import RewardMode, Settings
from nba.domain import ModelVersion
from nba.errors import Conflict
from nba.learning.keeper import EventDecoder, load_policy, to_event
from nba.learning.marks import OutcomeMarks
from nba.learning.read_ahead import read_ahead
from nba.serving.cold_start import with_new_offer_floor
from nba.serving.retention import corrected_target, fresh_policy_params
from nba.storage import (
    Database,
    LearnRow,
    acquire_lock,
    lock_holder,
    mark_retention_learned,
    models,
    release_lock,
    renew_lock,
    unlearned_retention,
    unlearned_rows,
)
from policies.base import Policy

log = logging.getLogger(__name__)

LEASE = "trainer"


def process_owner() -> str:
    """A lease owner id unique to this process: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class TrainingRun:
    """What one run did: the version it saved (None if none) and how much it learned."""

    version: ModelVersion | None
    outcomes: int
    retention: int
    seconds: float
    held_by: str | None = None


class Trainer:
    """Learns from the database and publishes model versions; safe to run in every worker."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        rng: np.random.Generator,
        *,
        owner: str | None = None,
    ) -> None:
        self._database = database
        self._settings = settings
        self._rng = rng
        self.owner = owner or process_owner()
        self._run_lock = threading.Lock()
        self._policy: Policy | None = None
        self._version: int | None = None
        self._renewed = 0.0

    def run(self, *, force: bool = False) -> TrainingRun:
        """Train once if the lease is free; `force` saves a version even with nothing new."""
        with self._run_lock:
            started = time.perf_counter()
            if not self._acquire():
                with self._database.session(readonly=True) as session:
                    holder = lock_holder(session, LEASE, _now())
                log.debug("trainer lease held by %s; not training", holder and holder[0])
                return TrainingRun(None, 0, 0, 0.0, held_by=holder[0] if holder else "?")
            try:
                return self._train(force, started)
            except BaseException:
                self._policy, self._version = None, None  # its state is past any saved version
                raise
            finally:
                with self._database.session() as session:
                    release_lock(session, LEASE, self.owner)

    def _acquire(self) -> bool:
        with self._database.session() as session:
            got = acquire_lock(
                session, LEASE, self.owner, self._settings.learning.trainer_lease_s, _now()
            )
        self._renewed = time.monotonic()
        return got

    def _train(self, force: bool, started: float) -> TrainingRun:
        base = self._base()
        policy = self._policy_at(base)
        with OutcomeMarks(self._database) as marks:
            outcome_ids, watermark, rewards = self._learn_outcomes(policy, marks)
            retention_ids = self._learn_retention(policy)
            if not outcome_ids and not retention_ids and not force:
                return TrainingRun(None, 0, 0, time.perf_counter() - started)
            data = policy.save()
            learned = len(outcome_ids) + len(retention_ids)
            base_total = dict(base.metrics).get("learned_total", 0.0) if base else 0.0
            seconds = time.perf_counter() - started
            metrics = {
                "learned": float(learned),
                "learned_outcomes": float(len(outcome_ids)),
                "learned_retention": float(len(retention_ids)),
                "learned_total": base_total + learned,
                "base_version": float(base.version if base else 0),
                "mean_reward": float(np.mean(rewards)) if rewards else 0.0,
                "train_seconds": seconds,
            }
            if base and base.watermark and (not watermark or base.watermark > watermark):
                watermark = base.watermark
            session = marks.saving()
            lease_s = self._settings.learning.trainer_lease_s
            if not renew_lock(session, LEASE, self.owner, lease_s, _now()):
                raise Conflict("the trainer lease expired during training; nothing saved")
            active = models.active_model_version(session)
            activate = active is None or not active.is_pinned
            saved = models.add_model_version(
                session,
                policy.name,
                dict(policy.params),
                data,
                watermark,
                metrics,
                activate,
                version=marks.version,
            )
            marked = marks.finish(saved.version)
            marked += mark_retention_learned(session, retention_ids, saved.version)
            if marked != learned:
                raise Conflict("some outcomes were learned by another version; nothing saved")
        self._version = saved.version
        log.info(
            "trained model version %s: %d outcomes, %d retention answers in %.2f s%s",
            saved.version,
            len(outcome_ids),
            len(retention_ids),
            seconds,
            "" if activate else " (not activated: the active version is pinned)",
        )
        return TrainingRun(saved, len(outcome_ids), len(retention_ids), seconds)

    def _base(self) -> ModelVersion | None:
        """The version to continue from: the active one, or the newest while it is pinned."""
        with self._database.session(readonly=True) as session:
            active = models.active_model_version(session)
            if active is None or active.is_pinned:
                latest = models.latest_model_version(session)
                return latest if latest is not None else active
            return active

    def _policy_at(self, base: ModelVersion | None) -> Policy:
        wanted = base.version if base else None
        if self._policy is None or self._version != wanted:
            if base is None:
                s = self._settings
                params = with_new_offer_floor(
                    s.learning.policy,
                    fresh_policy_params(s.learning.policy, s.learning.policy_params, s.reward.mode),
                    min_probability=s.serving.new_offer_min_probability,
                    shows=s.serving.new_offer_shows,
                )
                self._policy = policies.get(self._settings.learning.policy, rng=self._rng, **params)
            else:
                self._policy = load_policy(base, self._rng)
            self._version = wanted
        return self._policy

    def _learn_outcomes(
        self, policy: Policy, marks: OutcomeMarks
    ) -> tuple[list[str], datetime | None, list[float]]:
        ids: list[str] = []
        rewards: list[float] = []
        newest = None
        decoder = EventDecoder()
        # The next batches are read while VW learns this one: database waits release the GIL.
        for rows in read_ahead(self._unlearned_batches()):
            policy.learn([decoder.event(row) for row in rows])
            batch_ids = [row.decision_id for row in rows]
            marks.add(batch_ids)
            ids.extend(batch_ids)
            rewards.extend(row.reward for row in rows)
            newest = rows[-1].ts
            self._renew()
        return ids, newest, rewards

    def _unlearned_batches(self) -> Iterator[list[LearnRow]]:
        """Unlearned outcomes in (ts, decision id) order, in batches, up to the run's limit."""
        batch, limit = self._settings.learning.train_batch, self._settings.learning.train_max_events
        read, after = 0, None
        with self._database.session(readonly=True) as session:
            while read < limit:
                wanted = min(batch, limit - read)
                rows = unlearned_rows(session, after, wanted)
                if rows:
                    yield rows
                if len(rows) < wanted:
                    return
                read += len(rows)
                after = rows[-1].key

    def _learn_retention(self, policy: Policy) -> list[str]:
        if self._settings.reward.mode is not RewardMode.RETENTION_VALUE:
            return []
        ids: list[str] = []
        after = None
        while len(ids) < self._settings.learning.train_max_events:
            with self._database.session(readonly=True) as session:
                rows = unlearned_retention(session, after, self._settings.learning.train_batch)
            if not rows:
                break
            policy.learn([to_event(d, corrected_target(r.reward, i)) for d, r, i in rows])
            ids.extend(r.decision_id for _, r, _ in rows)
            after = (rows[-1][1].ts, rows[-1][1].decision_id)
            self._renew()
        return ids

    def _renew(self) -> None:
        # A third of the lease between renewals: a write transaction per batch would cost a
        # commit (an fsync on PostgreSQL) every 1,000 events.
        if time.monotonic() - self._renewed < self._settings.learning.trainer_lease_s / 3:
            return
        self._renewed = time.monotonic()
        with self._database.session() as session:
            if not renew_lock(
                session, LEASE, self.owner, self._settings.learning.trainer_lease_s, _now()
            ):
                raise Conflict("the trainer lease expired during training")


def _now() -> datetime:
    return datetime.now(UTC)
