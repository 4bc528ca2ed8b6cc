"""Who decides in a closed-loop run: the oracle, or a policy in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np

from policies.base import Candidate, Context, Event, Policy, Ranking

PolicyFactory = Callable[[np.random.Generator], Policy]
Progress = Callable[[int], object]


class Oracle:
    """The policy that knows the truth: the runner gives it each offer's true expected reward."""

    name = "oracle"
    params: Mapping[str, object] = {}

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """Uniform (the runner decides for the oracle from the ground truth)."""
        k = len(candidates)
        return Ranking(tuple(c.offer_id for c in candidates), (1.0 / k,) * k, (0.0,) * k)

    def learn(self, events: Iterable[Event]) -> None:
        """Nothing to learn."""

    def save(self) -> bytes:
        """No state."""
        return b""

    def load(self, data: bytes) -> None:
        """No state."""


def oracle(rng: np.random.Generator | None = None) -> Oracle:
    """Factory of the oracle policy, usable wherever a PolicyFactory is."""
    return Oracle()


class Pending:
    """A decision waiting for its outcome."""

    __slots__ = ("candidates", "chosen", "context", "decision_id", "propensity", "step")

    def __init__(
        self,
        step: int,
        context: Context,
        candidates: tuple[Candidate, ...],
        chosen: int,
        propensity: float,
        decision_id: str | None,
    ) -> None:
        """Hold what `report` needs."""
        self.step, self.context, self.candidates = step, context, candidates
        self.chosen, self.propensity, self.decision_id = chosen, propensity, decision_id


class Driver(Protocol):
    """Where decisions are made: a policy in this process, or a service over HTTP."""

    name: str

    def decide(
        self,
        step: int,
        customer: str,
        context: Context,
        channel: str,
        candidates: tuple[Candidate, ...],
        truth: Callable[[], np.ndarray],
    ) -> tuple[int, tuple[float, ...], str | None]:
        """The chosen candidate's index, probabilities in candidates' order, a decision id."""
        ...

    def report(self, pending: Pending, accepted: bool, value: float, reward: float) -> None:
        """One reported outcome (not called for default outcomes the service applies itself)."""
        ...

    def expire(self, pending: Pending, reward: float) -> None:
        """An outcome that never came within the reward window: the default reward."""
        ...

    def retain(self, pending: Pending, retained: bool, value: float, target: float) -> None:
        """A retention answer (`retention_value`): learn `target`, the corrected final reward."""
        ...

    def retain_default(self, pending: Pending, target: float) -> None:
        """No retention answer within the retention window: the default answer's target."""
        ...

    def flush(self) -> None:
        """Learn whatever is buffered."""
        ...


class PolicyDriver:
    """In-process: rank with the policy, sample with the run's own stream, learn in batches."""

    def __init__(self, policy: Policy, uniforms: np.ndarray, learn_batch: int = 1) -> None:
        """`uniforms[t]` samples the offer at step t (common across policies)."""
        self.policy, self.name = policy, policy.name
        self._u = uniforms.tolist()
        self._batch: list[Event] = []
        self._learn_batch = learn_batch
        self._is_oracle = isinstance(policy, Oracle)

    def decide(
        self,
        step: int,
        customer: str,
        context: Context,
        channel: str,
        candidates: tuple[Candidate, ...],
        truth: Callable[[], np.ndarray],
    ) -> tuple[int, tuple[float, ...], str | None]:
        """Rank, then sample by inverse CDF with this step's uniform."""
        if self._is_oracle:
            best = int(np.argmax(truth()))
            return best, tuple(float(i == best) for i in range(len(candidates))), None
        probs = self.policy.rank(context, candidates).probabilities
        u, acc = self._u[step], 0.0
        for k, p in enumerate(probs):
            acc += p
            if u < acc:
                return k, probs, None
        return len(probs) - 1, probs, None

    def report(self, pending: Pending, accepted: bool, value: float, reward: float) -> None:
        """Queue the event; learn when the batch is full."""
        self.expire(pending, reward)

    def expire(self, pending: Pending, reward: float) -> None:
        """Learn the default reward like any other."""
        self._batch.append(
            Event(pending.context, pending.candidates, pending.chosen, pending.propensity, reward)
        )
        if len(self._batch) >= self._learn_batch:
            self.flush()

    def retain(self, pending: Pending, retained: bool, value: float, target: float) -> None:
        """Learn the correction the service's learner makes (`corrected_target` of nba.serving)."""
        self.expire(pending, target)

    def retain_default(self, pending: Pending, target: float) -> None:
        """Learn the default answer's correction like a reported one."""
        self.expire(pending, target)

    def flush(self) -> None:
        """Hand the batch to the policy."""
        if self._batch:
            self.policy.learn(self._batch)
            self._batch = []
