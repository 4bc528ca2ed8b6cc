"""The live policy of one process: rank, explain and learn under a lock, swap model versions.

Learning of record is the trainer's (nba/learning/trainer.py): it saves model versions and
marks each answer with the version that learned it. A serving process may also learn online;
that learning is transient: it keeps the process fresh between versions, sees the answers the
next version will learn, and is replaced when a newer version is picked up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

import policies
from nba.domain import Decision, Feedback, FeedbackKind, ModelVersion
from nba.learning.events import EventDecoder, to_event
from nba.reward import corrected_target
from nba.storage import Database, LearnRow, active_version_number, models, unlearned_rows
from policies.base import (
    Candidate,
    Context,
    Explainer,
    Policy,
    Ranking,
    Reason,
    unexplained_note,
)

log = logging.getLogger(__name__)


class ModelSwapped(Exception):
    """The live model version changed between ranking a decision and explaining it."""

    def __init__(self, ranked_by: int | None, live: int | None) -> None:
        super().__init__(f"ranked by model version {ranked_by}, version {live} is live now")


@dataclass(frozen=True, slots=True)
class Answer:
    """A recorded answer to learn online, with the keeper `generation` it was recorded under
    (`interim`: the outcome reward a retention answer corrects)."""

    decision: Decision
    feedback: Feedback
    interim: float | None
    generation: int


class ModelKeeper:
    """Owns one Policy object; every call into it holds the lock (VW never releases the GIL).

    `model_version` is the saved version the in-memory state started from; `pending` counts
    answers learned since then (online and by `catch_up`); `generation` counts hot swaps.
    """

    def __init__(self, policy: Policy, *, model_version: int | None = None) -> None:
        self._policy = policy
        self._lock = threading.Lock()
        self.model_version = model_version
        self.pending = 0
        self.generation = 0
        self._learned: dict[FeedbackKind, dict[str, None]] = {kind: {} for kind in FeedbackKind}

    @classmethod
    def start(
        cls,
        database: Database,
        *,
        policy_name: str,
        policy_params: dict[str, object],
        rng: np.random.Generator,
        catch_up: Sequence[FeedbackKind] = (),
    ) -> ModelKeeper:
        """Load the active model version (else a fresh policy), then learn the answers of the
        `catch_up` kinds it lacks."""
        with database.session(readonly=True) as session:
            active = models.active_model_version(session)
        if active is not None:
            keeper = cls(load_policy(active, rng, serving=True), model_version=active.version)
            log.info("loaded model version %s (%s)", active.version, active.policy)
        else:
            params = serving_params(policy_name, policy_params)
            keeper = cls(policies.get(policy_name, rng=rng, **params))
            log.info("started a fresh %s policy", policy_name)
        keeper.catch_up(database, catch_up)
        return keeper

    @property
    def policy_name(self) -> str:
        return self._policy.name

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> tuple[Ranking, int | None]:
        """Rank candidates with the live policy: the ranking and the model version that made it.

        Both are read under one lock, so a hot swap cannot come between them: a decision is
        logged under the version that ranked it.
        """
        with self._lock:
            return self._policy.rank(context, candidates), self.model_version

    def explain(
        self,
        context: Context,
        candidates: Sequence[Candidate],
        index: int,
        model_version: int | None,
    ) -> tuple[Reason, ...] | None:
        """The top features behind one candidate's score under `model_version` (the version
        that ranked it), or None if the policy cannot say.

        Raises ModelSwapped when another version is live by now: its reasons would explain a
        ranking the decision did not come from.
        """
        with self._lock:
            if self.model_version != model_version:
                raise ModelSwapped(model_version, self.model_version)
            if not isinstance(self._policy, Explainer):
                return None
            return self._policy.explain(context, candidates, index)

    def explain_live(
        self, context: Context, candidates: Sequence[Candidate], index: int
    ) -> tuple[tuple[Reason, ...] | None, int | None]:
        """The live policy's reasons for one candidate (None if it cannot say) and the model
        version it started from, read under one lock."""
        with self._lock:
            if not isinstance(self._policy, Explainer):
                return None, self.model_version
            return self._policy.explain(context, candidates, index), self.model_version

    def cannot_explain(self) -> str:
        """Why the live policy gives no reasons, when it is no Explainer."""
        return unexplained_note(self._policy)

    def learn(self, decision: Decision, feedback: Feedback, interim: float | None = None) -> bool:
        """Learn one recorded answer online; False if this process learned it already."""
        return self.learn_answers([Answer(decision, feedback, interim, self.generation)]) == 1

    def learn_answers(self, answers: Sequence[Answer]) -> int:
        """Learn recorded answers online, in order, under one hold of the lock; returns how many.

        Skipped: an answer this process learned already, and one recorded before the latest
        hot swap (the catch-up after the swap learns it if the new version lacks it). A
        retention answer whose outcome was learned with reward `interim` is learned as the
        correction of it (`nba.reward.corrected_target`), as the trainer learns it.
        """
        with self._lock:
            fresh: list[Answer] = []
            taken: set[tuple[FeedbackKind, str]] = set()
            for answer in answers:
                key = (answer.feedback.kind, answer.feedback.decision_id)
                if answer.generation != self.generation or key in taken:
                    continue
                if key[1] in self._learned[key[0]]:
                    continue
                taken.add(key)
                fresh.append(answer)
            if not fresh:
                return 0
            self._policy.learn(
                [to_event(a.decision, corrected_target(a.feedback.reward, a.interim))
                 for a in fresh]
            )  # fmt: skip
            for kind, decision_id in taken:
                self._learned[kind][decision_id] = None
            self.pending += len(fresh)
            return len(fresh)

    def catch_up(self, database: Database, kinds: Sequence[FeedbackKind], batch: int = 1000) -> int:
        """Learn the stored answers of `kinds` no saved version has learned yet, kind by kind in
        the order given (outcomes before the retention answers that correct them), in
        (ts, decision id) order; returns how many."""
        decoder = EventDecoder()
        learned = 0
        for kind in kinds:
            after = None
            while True:
                with database.session(readonly=True) as session:
                    rows = unlearned_rows(session, kind, after, batch)
                learned += self._learn_rows(kind, rows, decoder)
                if len(rows) < batch:
                    break
                after = rows[-1].key
        if learned:
            log.info("learned %d answers no saved model version holds", learned)
        return learned

    def _learn_rows(
        self, kind: FeedbackKind, rows: Sequence[LearnRow], decoder: EventDecoder
    ) -> int:
        with self._lock:
            learned = self._learned[kind]
            fresh = [row for row in rows if row.decision_id not in learned]
            if not fresh:
                return 0
            self._policy.learn([decoder.event(row) for row in fresh])
            learned.update((row.decision_id, None) for row in fresh)
            self.pending += len(fresh)
            return len(fresh)

    def replace(self, policy: Policy, *, version: int) -> None:
        """Serve another policy state from now on (a newly activated stored version)."""
        with self._lock:
            self._policy = policy
            self.model_version = version
            self.pending = 0
            self.generation += 1
            for learned in self._learned.values():
                learned.clear()

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
        self.replace(load_policy(stored, rng, serving=True), version=stored.version)
        log.info("now serving model version %s", stored.version)
        return stored.version

    def with_lock(self, work: Callable[[Policy], object]) -> object:
        """Run `work` on the policy under the lock (for benchmarks and maintenance)."""
        with self._lock:
            return work(self._policy)


SERVING_PARAMS: Mapping[str, object] = {"scores": "reward"}
"""Parameters a serving process gives a policy that takes them, over the stored ones.

VW then scores each offer by its regressor's estimate of the reward instead of repeating the
probability (the `score` of every decision reply): rank took ~1.65x as long. The trainer,
evaluations and the simulator learn and rank without it (VW learned 2.2x faster)."""


def serving_params(policy: str, params: Mapping[str, object]) -> dict[str, object]:
    """`params` with the `SERVING_PARAMS` that `policy` takes."""
    taken = policies.parameters(policy)
    return {**params, **{k: v for k, v in SERVING_PARAMS.items() if k in taken}}


def load_policy(stored: ModelVersion, rng: np.random.Generator, *, serving: bool = False) -> Policy:
    """A policy object holding a stored version's state (with `serving`, as served)."""
    params = dict(stored.params)
    if serving:
        params = serving_params(stored.policy, params)
    policy = policies.get(stored.policy, rng=rng, **params)
    policy.load(stored.data)
    return policy
