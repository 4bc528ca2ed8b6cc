"""Values that cross the policy boundary, and the one interface every policy implements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

FeatureValue = float | int | str | bool
Features = tuple[tuple[str, FeatureValue], ...]


def freeze_features(features: Mapping[str, FeatureValue] | None) -> Features:
    """Turn a flat mapping into the sorted tuple of pairs that frozen values hold."""
    return tuple(sorted((features or {}).items()))


@dataclass(frozen=True, slots=True)
class Context:
    """What is known of one customer at decision time: the churn score and flat context fields."""

    churn_score: float
    features: Features = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """One eligible offer as the policy sees it: id, category and the learner's features."""

    offer_id: str
    category: str
    features: Features = ()


@dataclass(frozen=True, slots=True)
class Ranking:
    """A policy's answer for one context: probabilities and scores in the candidates' order.

    `probabilities` sum to 1; `scores` are the policy's estimate of each offer's expected
    reward (higher is better), comparable only within one ranking.
    """

    offer_ids: tuple[str, ...]
    probabilities: tuple[float, ...]
    scores: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Event:
    """One logged decision with its reward: what `learn` consumes.

    `chosen` indexes `candidates`; `propensity` is the logged probability of that choice,
    in (0, 1]; `reward` is on the policy's scale, in [-1, 1] (acceptance gives 0 or 1).
    """

    context: Context
    candidates: tuple[Candidate, ...]
    chosen: int
    propensity: float
    reward: float


REASON_SOURCES = ("context", "churn_score", "offer")
"""Where a reason's feature comes from: the customer's context, the churn score, the offer."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One feature that moved an offer's estimated reward above (or below) the other offers'.

    `feature` is the context field's name as the caller sent it (`tenure_months`),
    `churn_score`, or the name of the offer's feature (`discount_pct`; `offer` for the offer
    itself, `category` for its category); several joined by " & " when the model crosses them.
    `value` is the customer's value of it, or the explained offer's (None if it has none).
    `weight` is the offer's contribution from this feature minus the mean contribution of the
    other candidates for the same feature, on the reward's scale: positive raised this offer.
    """

    feature: str
    weight: float
    source: str = "context"
    value: FeatureValue | None = None


@runtime_checkable
class Policy(Protocol):
    """Numbers in, probabilities out. `rank` is pure; `learn` takes logged events.

    `params` are the constructor arguments, validated: `policies.get(name, **params)` rebuilds
    the policy that `load(save())` restores. Errors are `policies.errors.PolicyError`s.
    """

    name: str

    @property
    def params(self) -> Mapping[str, object]: ...

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking: ...

    def learn(self, events: Iterable[Event]) -> None: ...

    def save(self) -> bytes: ...

    def load(self, data: bytes) -> None: ...


@runtime_checkable
class Explainer(Protocol):
    """Optional: policies that can say which features set one candidate above the others.

    `explain` returns at most `top` reasons ranked by the size of their weight (see `Reason`),
    leaving out features that contribute the same to every candidate (a constant, context
    terms not crossed with the offer): they cannot move one offer above another. With one
    candidate there is nothing to compare, and the answer is empty.
    """

    def explain(
        self, context: Context, candidates: Sequence[Candidate], index: int, top: int = 5
    ) -> tuple[Reason, ...]: ...


def unexplained_note(policy: object) -> str:
    """Why `policy`, which is no Explainer, gives no reasons: its `cannot_explain` sentence."""
    note = getattr(policy, "cannot_explain", None)
    name = getattr(policy, "name", type(policy).__name__)
    return note if isinstance(note, str) else f"policy {name!r} cannot attribute its scores"
