"""The live policy of one process: rank and learn under a lock, save and restore model versions.

Learning of record is the trainer's (nba/trainer.py): it marks each outcome with the version
that learned it. A serving process may also learn online; that learning is transient (it is
replaced when a newer version is picked up) unless `save` stores it, marking what it learned.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
import orjson

import policies
from nba.domain import Decision, ModelVersion, Outcome, Retention
from nba.errors import Conflict
from nba.serving.retention import corrected_target
from nba.storage import (
    Database,
    LearnRow,
    active_version_number,
    latest_model_version,
    mark_outcomes_learned,
    mark_retention_learned,
    models,
    unlearned_outcomes,
)
from policies.base import Candidate, Context, Event, Explainer, Policy, Ranking, Reason

log = logging.getLogger(__name__)


class ModelKeeper:
    """Owns one Policy object; every call into it holds the lock (VW never releases the GIL).

    `model_version` is the saved version the in-memory state started from; `pending` counts
    events learned since then; `watermark` is the newest outcome time learned.
    """

    def __init__(self, policy: Policy, *, model_version: int | None = None) -> None:
        self._policy = policy
        self._lock = threading.Lock()
        self.model_version = model_version
        self.pending = 0
        self.watermark: datetime | None = None
        self._outcome_ids: dict[str, None] = {}
        self._retention_ids: dict[str, None] = {}

    @classmethod
    def start(
        cls,
        database: Database,
        *,
        policy_name: str,
        policy_params: dict[str, object],
        rng: np.random.Generator,
        catch_up: bool = True,
    ) -> ModelKeeper:
        """Load the active model version (else a fresh policy) and learn outcomes it lacks."""
        with database.session(readonly=True) as session:
            active = models.active_model_version(session)
        if active is not None:
            keeper = cls(load_policy(active, rng), model_version=active.version)
            keeper.watermark = active.watermark
            log.info("loaded model version %s (%s)", active.version, active.policy)
        else:
            keeper = cls(policies.get(policy_name, rng=rng, **policy_params))
            log.info("started a fresh %s policy", policy_name)
        if catch_up:
            keeper.catch_up(database)
        return keeper

    @property
    def policy_name(self) -> str:
        return self._policy.name

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """Rank candidates with the live policy."""
        with self._lock:
            return self._policy.rank(context, candidates)

    def explain(
        self, context: Context, candidates: Sequence[Candidate], index: int
    ) -> tuple[Reason, ...] | None:
        """The top features behind one candidate's score, or None if the policy cannot say."""
        if not isinstance(self._policy, Explainer):
            return None
        with self._lock:
            return self._policy.explain(context, candidates, index)

    def learn(self, decision: Decision, outcome: Outcome) -> None:
        """Learn one outcome online."""
        self.learn_many([(decision, outcome)])

    def learn_many(self, pairs: Sequence[tuple[Decision, Outcome]]) -> int:
        """Learn outcomes in the order given (each once) and advance the watermark."""
        with self._lock:
            fresh = [(d, o) for d, o in pairs if o.decision_id not in self._outcome_ids]
            if not fresh:
                return 0
            self._policy.learn([to_event(d, o.reward) for d, o in fresh])
            self._outcome_ids.update((o.decision_id, None) for _, o in fresh)
            self.pending += len(fresh)
            newest = max(o.ts for _, o in fresh)
            if self.watermark is None or newest > self.watermark:
                self.watermark = newest
            return len(fresh)

    def learn_retention(
        self, decision: Decision, retention: Retention, interim: float | None = None
    ) -> None:
        """Learn a retention answer online: the final reward correcting the interim one."""
        with self._lock:
            if retention.decision_id in self._retention_ids:
                return
            target = corrected_target(retention.reward, interim)
            self._policy.learn([to_event(decision, target)])
            self._retention_ids[retention.decision_id] = None
            self.pending += 1

    def catch_up(self, database: Database, batch: int = 1000) -> int:
        """Learn every stored outcome no saved version has learned yet; returns how many."""
        learned, after = 0, None
        while True:
            with database.session(readonly=True) as session:
                rows = unlearned_outcomes(session, after, batch)
            if not rows:
                break
            learned += self.learn_many(rows)
            after = (rows[-1][1].ts, rows[-1][1].decision_id)
            if len(rows) < batch:
                break
        if learned:
            log.info("learned %d outcomes no saved model version holds", learned)
        return learned

    def save(self, database: Database, *, force: bool = False) -> int | None:
        """Store this state as the new active version, marking the outcomes it learned.

        Only valid while this keeper is the single learner of record: Conflict if a newer
        version exists than the one it started from, or another version learned its outcomes.
        """
        with self._lock:
            if not self.pending and not force:
                return None
            data = self._policy.save()
            outcome_ids, retention_ids = list(self._outcome_ids), list(self._retention_ids)
            pending, watermark, base = self.pending, self.watermark, self.model_version
            name, params = self._policy.name, dict(self._policy.params)
        with database.session() as session:
            latest = latest_model_version(session)
            if latest is not None and latest.version != base:
                raise Conflict(f"version {latest.version} is newer than this state (from {base})")
            metrics = {"learned": float(pending), "base_version": float(base or 0)}
            version = models.add_model_version(
                session, name, params, data, watermark, metrics
            ).version
            marked = mark_outcomes_learned(session, outcome_ids, version)
            marked += mark_retention_learned(session, retention_ids, version)
            if marked != len(outcome_ids) + len(retention_ids):
                raise Conflict("some outcomes were already learned by another model version")
        with self._lock:
            self.pending -= pending
            self.model_version = version
            for key in outcome_ids:
                self._outcome_ids.pop(key, None)
            for key in retention_ids:
                self._retention_ids.pop(key, None)
        log.info("saved model version %s after %d new events", version, pending)
        return version

    def replace(self, policy: Policy, *, version: int, watermark: datetime | None) -> None:
        """Serve another policy state from now on (a newly activated stored version)."""
        with self._lock:
            self._policy = policy
            self.model_version = version
            self.watermark = watermark
            self.pending = 0
            self._outcome_ids.clear()
            self._retention_ids.clear()

    def refresh(self, database: Database, rng: np.random.Generator) -> int | None:
        """Swap to the active version if it changed; returns the new version or None.

        The bytes are loaded into a new policy object outside the lock, so decisions keep
        being served by the old one until the reference is replaced.
        """
        with database.session(readonly=True) as session:
            active = active_version_number(session)
        if active is None or active == self.model_version:
            return None
        with database.session(readonly=True) as session:
            stored = models.get_model_version(session, active)
        if stored is None:
            return None
        self.replace(load_policy(stored, rng), version=stored.version, watermark=stored.watermark)
        log.info("now serving model version %s", stored.version)
        return stored.version

    def with_lock(self, work: Callable[[Policy], object]) -> object:
        """Run `work` on the policy under the lock (for benchmarks and maintenance)."""
        with self._lock:
            return work(self._policy)


def load_policy(stored: ModelVersion, rng: np.random.Generator) -> Policy:
    """A policy object holding a stored version's state."""
    policy = policies.get(stored.policy, rng=rng, **dict(stored.params))
    policy.load(stored.data)
    return policy


def to_context(decision: Decision) -> Context:
    """The policy context a decision was made in, rebuilt from its log row."""
    return Context(
        churn_score=decision.churn_score,
        features=tuple((k, v) for k, v in decision.context if v is not None),
    )


def to_candidates(decision: Decision) -> tuple[Candidate, ...]:
    """The candidates a decision ranked, from the logged feature snapshot."""
    return tuple(Candidate(e.offer_id, e.category, e.features) for e in decision.eligible)


def to_event(decision: Decision, reward: float) -> Event:
    """A learnable event from a logged decision and the reward it earned."""
    return Event(
        context=to_context(decision),
        candidates=to_candidates(decision),
        chosen=decision.chosen_index,
        propensity=decision.propensity,
        reward=reward,
    )


class EventDecoder:
    """Builds events from the trainer's raw rows; candidates are decoded once per eligible set."""

    def __init__(self, max_cached: int = 10_000) -> None:
        self._candidates: dict[str, tuple[tuple[Candidate, ...], dict[str, int]]] = {}
        self._max_cached = max_cached

    def event(self, row: LearnRow) -> Event:
        """The learnable event of one row."""
        found = self._candidates.get(row.eligible_json)
        if found is None:
            if len(self._candidates) >= self._max_cached:
                self._candidates.clear()
            eligible = orjson.loads(row.eligible_json)
            candidates = tuple(
                Candidate(e["offer_id"], e["category"], tuple(e.get("features", {}).items()))
                for e in eligible
            )
            found = candidates, {c.offer_id: i for i, c in enumerate(candidates)}
            self._candidates[row.eligible_json] = found
        candidates, index = found
        context = orjson.loads(row.context_json)  # ~4x json.loads: it is per event
        features = tuple(context.items())
        if "null" in row.context_json:  # a scan in C, cheaper than looking at every value
            features = tuple((k, v) for k, v in features if v is not None)
        return Event(
            context=Context(churn_score=row.churn_score, features=features),
            candidates=candidates,
            chosen=index[row.chosen],
            propensity=row.propensity,
            reward=row.reward,
        )
