"""The live policy of one process: rank and learn under a lock, save and restore model versions."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np

import policies
from nba.domain import Decision, Outcome
from nba.storage import Database, models, outcomes
from policies.base import Candidate, Context, Event, Explainer, Policy, Ranking, Reason

log = logging.getLogger(__name__)


class ModelKeeper:
    """Owns one Policy object; every call into it holds the lock (VW never releases the GIL).

    `model_version` is the saved version the in-memory state started from; `pending` counts
    events learned since the last save; `watermark` is the newest outcome time learned.
    """

    def __init__(self, policy: Policy, *, model_version: int | None = None) -> None:
        self._policy = policy
        self._lock = threading.Lock()
        self.model_version = model_version
        self.pending = 0
        self.watermark: datetime | None = None

    @classmethod
    def start(
        cls,
        database: Database,
        *,
        policy_name: str,
        policy_params: dict[str, object],
        rng: np.random.Generator,
    ) -> ModelKeeper:
        """Load the active model version (else a fresh policy) and learn outcomes past its mark."""
        with database.session(readonly=True) as session:
            active = models.active_model_version(session)
        if active is not None:
            policy = policies.get(active.policy, rng=rng, **dict(active.params))
            policy.load(active.data)
            keeper = cls(policy, model_version=active.version)
            keeper.watermark = active.watermark
            log.info("loaded model version %s (%s)", active.version, active.policy)
        else:
            keeper = cls(policies.get(policy_name, rng=rng, **policy_params))
            log.info("started a fresh %s policy", policy_name)
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

    def learn_many(self, pairs: Sequence[tuple[Decision, Outcome]]) -> None:
        """Learn outcomes in the order given and advance the watermark."""
        if not pairs:
            return
        events = [to_event(d, o) for d, o in pairs]
        newest = max(o.ts for _, o in pairs)
        with self._lock:
            self._policy.learn(events)
            self.pending += len(events)
            if self.watermark is None or newest > self.watermark:
                self.watermark = newest

    def catch_up(self, database: Database, batch: int = 1000) -> int:
        """Learn every stored outcome newer than the watermark; returns how many."""
        learned = 0
        while True:
            with database.session(readonly=True) as session:
                rows = outcomes.outcomes_since(session, self.watermark, limit=batch)
            if not rows:
                break
            self.learn_many(rows)
            learned += len(rows)
            if len(rows) < batch:
                break
        if learned:
            log.info("learned %d outcomes recorded after the saved model", learned)
        return learned

    def save(self, database: Database, *, force: bool = False) -> int | None:
        """Store the policy as a new active model version if it learned anything since."""
        with self._lock:
            if not self.pending and not force:
                return None
            data = self._policy.save()
            pending, watermark = self.pending, self.watermark
            name, params = self._policy.name, dict(self._policy.params)
        with database.session() as session:
            version = models.add_model_version(
                session, name, params, data, watermark, {"events_since_last": float(pending)}
            ).version
        with self._lock:
            self.pending -= pending
            self.model_version = version
        log.info("saved model version %s after %d new events", version, pending)
        return version

    def replace(self, policy: Policy, *, version: int, watermark: datetime | None) -> None:
        """Serve another policy state from now on (activation of a stored version)."""
        with self._lock:
            self._policy = policy
            self.model_version = version
            self.watermark = watermark
            self.pending = 0

    def with_lock(self, work: Callable[[Policy], object]) -> object:
        """Run `work` on the policy under the lock (for benchmarks and maintenance)."""
        with self._lock:
            return work(self._policy)


def to_context(decision: Decision) -> Context:
    """The policy context a decision was made in, rebuilt from its log row."""
    return Context(
        churn_score=decision.churn_score,
        features=tuple((k, v) for k, v in decision.context if v is not None),
    )


def to_candidates(decision: Decision) -> tuple[Candidate, ...]:
    """The candidates a decision ranked, from the logged feature snapshot."""
    return tuple(Candidate(e.offer_id, e.category, e.features) for e in decision.eligible)


def to_event(decision: Decision, outcome: Outcome) -> Event:
    """A learnable event from a logged decision and its outcome."""
    return Event(
        context=to_context(decision),
        candidates=to_candidates(decision),
        chosen=decision.chosen_index,
        propensity=decision.propensity,
        reward=outcome.reward,
    )
