"""The trainer of record: one at a time across processes, it learns what no version has learned.

A run takes the `trainer` lease in the database, continues from its base version (the active
one; the newest one while the active version is pinned), learns the unlearned answers of the
kinds its reward mode learns (`nba.reward.learned_kinds`: outcomes, then retention answers) in
batches, and stores the new version together with the marks of what it learned, in one
transaction that also checks the lease is still held. A crash before that commit leaves no
version and no marks: the next run learns the same answers again, once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import numpy as np

import policies
from nba.clock import utc_now
from nba.config import Settings
from nba.domain import Actor, FeedbackKind, ModelVersion
from nba.errors import Conflict
from nba.learning.events import EventDecoder
from nba.learning.keeper import load_policy
from nba.learning.marks import FeedbackMarks
from nba.learning.read_ahead import read_ahead
from nba.reward import fresh_policy_params, learned_kinds
from nba.schemas import model_reply
from nba.storage import (
    Database,
    LearnRow,
    acquire_lock,
    audit,
    lock_holder,
    models,
    release_lock,
    renew_lock,
    unlearned_rows,
)
from policies.base import Policy

if TYPE_CHECKING:
    from nba.learning.challengers import ChallengerPool

log = logging.getLogger(__name__)

LEASE = "trainer"
T = TypeVar("T")


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
    """Learns from the database and publishes model versions; safe to run in every worker.

    `fresh_params` are the parameters of the policy trained from scratch while no version
    exists (the composition root passes the serving keeper's; default: the settings'
    `policy_params` with what the reward mode adds, `nba.reward.fresh_policy_params`).
    """

    def __init__(
        self,
        database: Database,
        settings: Settings,
        rng: np.random.Generator,
        *,
        fresh_params: Mapping[str, object] | None = None,
        owner: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._settings = settings
        self._rng = rng
        if fresh_params is None:
            s = settings
            fresh_params = fresh_policy_params(
                s.policy_name, s.learning.policy_params, s.reward.mode
            )
        self._fresh_params = dict(fresh_params)
        self._clock = clock
        self.owner = owner or process_owner()
        self._run_lock = threading.Lock()
        self._policy: Policy | None = None
        self._version: int | None = None
        self._renewed = 0.0
        self.challengers: ChallengerPool | None = None
        """Auto-optimize's challengers, learned after each run (set by the composition root)."""

    def run(self, *, force: bool = False, actor: Actor = Actor.system()) -> TrainingRun:
        """Train once if the lease is free; `force` saves a version even with nothing new.

        A saved version is on the audit log as trained by `actor`."""
        with self._run_lock:
            started = time.perf_counter()
            if not self._acquire():
                with self._database.session(readonly=True) as session:
                    holder = lock_holder(session, LEASE, self._clock())
                log.debug("trainer lease held by %s; not training", holder and holder[0])
                return TrainingRun(None, 0, 0, 0.0, held_by=holder[0] if holder else "?")
            try:
                run = self._train(force, started, actor)
                if self.challengers is not None:  # auto-optimize: they learn in the lease too
                    self._learn_challengers(self.challengers)
                return run
            except BaseException:
                self._policy, self._version = None, None  # its state is past any saved version
                raise
            finally:
                with self._database.session() as session:
                    release_lock(session, LEASE, self.owner)

    def exclusive(self, work: Callable[[], T]) -> T | None:
        """`work()` while holding the trainer lease (no training meanwhile, in any process);
        None, without running it, when another process holds the lease."""
        with self._run_lock:
            if not self._acquire():
                return None
            try:
                return work()
            finally:
                with self._database.session() as session:
                    release_lock(session, LEASE, self.owner)

    def _learn_challengers(self, challengers: ChallengerPool) -> None:
        try:
            challengers.learn(self._settings.learning.train_max_events, self.renew)
        except Exception:  # the version is saved; a challenger's failure must not undo the run
            log.exception("auto-optimize: the challengers failed to learn")

    def _acquire(self) -> bool:
        with self._database.session() as session:
            got = acquire_lock(
                session, LEASE, self.owner, self._settings.learning.trainer_lease_s, self._clock()
            )
        self._renewed = time.monotonic()
        return got

    def _train(self, force: bool, started: float, actor: Actor) -> TrainingRun:
        base = self._base()
        policy = self._policy_at(base)
        with FeedbackMarks(self._database) as marks:
            learned = self._learn(policy, marks)
            outcomes = learned.counts[FeedbackKind.ACCEPTANCE]
            retention = learned.counts[FeedbackKind.RETENTION]
            if not learned.ids and not force:
                return TrainingRun(None, 0, 0, time.perf_counter() - started)
            data = policy.save()
            base_total = dict(base.metrics).get("learned_total", 0.0) if base else 0.0
            seconds = time.perf_counter() - started
            total = len(learned.ids)
            metrics = {
                "learned": float(total),
                "learned_outcomes": float(outcomes),
                "learned_retention": float(retention),
                "learned_total": base_total + total,
                "base_version": float(base.version if base else 0),
                "mean_reward": float(np.mean(learned.rewards)) if learned.rewards else 0.0,
                "train_seconds": seconds,
            }
            watermark = learned.newest
            if base and base.watermark and (not watermark or base.watermark > watermark):
                watermark = base.watermark
            session = marks.saving()
            lease_s = self._settings.learning.trainer_lease_s
            if not renew_lock(session, LEASE, self.owner, lease_s, self._clock()):
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
            after = model_reply(saved)
            audit.record_change(session, actor, "model", str(saved.version), "train", after=after)
            if marks.finish(saved.version) != total:
                raise Conflict("some answers were learned by another version; nothing saved")
        self._version = saved.version
        log.info(
            "trained model version %s: %d outcomes, %d retention answers in %.2f s%s",
            saved.version,
            outcomes,
            retention,
            seconds,
            "" if activate else " (not activated: the active version is pinned)",
        )
        return TrainingRun(saved, outcomes, retention, seconds)

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
                params = self._fresh_params
                self._policy = policies.get(self._settings.policy_name, rng=self._rng, **params)
            else:
                self._policy = load_policy(base, self._rng)
            self._version = wanted
        return self._policy

    def _learn(self, policy: Policy, marks: FeedbackMarks) -> _Learned:
        """Learn the unlearned answers of every kind the reward mode learns, kind by kind."""
        learned = _Learned()
        decoder = EventDecoder()
        for kind in learned_kinds(self._settings.reward.mode):
            # The next batches are read while VW learns this one: database waits release the GIL.
            for rows in read_ahead(self._unlearned_batches(kind)):
                policy.learn([decoder.event(row) for row in rows])
                batch_ids = [row.decision_id for row in rows]
                marks.add(kind, batch_ids)
                learned.add(kind, rows)
                self._renew()
        return learned

    def _unlearned_batches(self, kind: FeedbackKind) -> Iterator[list[LearnRow]]:
        """Unlearned answers of `kind` in (ts, decision id) order, in batches, up to the run's
        limit."""
        batch, limit = self._settings.learning.train_batch, self._settings.learning.train_max_events
        read, after = 0, None
        with self._database.session(readonly=True) as session:
            while read < limit:
                wanted = min(batch, limit - read)
                rows = unlearned_rows(session, kind, after, wanted)
                if rows:
                    yield rows
                if len(rows) < wanted:
                    return
                read += len(rows)
                after = rows[-1].key

    def renew(self) -> None:
        """Renew the lease if a third of it has passed; Conflict if it was lost."""
        self._renew()

    def _renew(self) -> None:
        # A third of the lease between renewals: a write transaction per batch would cost a
        # commit (an fsync on PostgreSQL) every 1,000 events.
        if time.monotonic() - self._renewed < self._settings.learning.trainer_lease_s / 3:
            return
        self._renewed = time.monotonic()
        with self._database.session() as session:
            if not renew_lock(
                session, LEASE, self.owner, self._settings.learning.trainer_lease_s, self._clock()
            ):
                raise Conflict("the trainer lease expired during training")


class _Learned:
    """What one run has learned so far: ids, how many of each kind, rewards, the newest ts."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.counts = dict.fromkeys(FeedbackKind, 0)
        self.rewards: list[float] = []
        self.newest: datetime | None = None

    def add(self, kind: FeedbackKind, rows: list[LearnRow]) -> None:
        self.ids.extend(row.decision_id for row in rows)
        self.counts[kind] += len(rows)
        self.rewards.extend(row.reward for row in rows)
        if self.newest is None or rows[-1].ts > self.newest:
            self.newest = rows[-1].ts
