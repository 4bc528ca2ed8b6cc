"""Logged slots as what nba's policies rank and learn: Context, Candidates, Event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nba.personalizer.features import action_features, context_features
from nba.personalizer.requests import slot_features
from nba.personalizer.values import LoggedSlot
from policies.base import Candidate, Context, Event

__all__ = ["candidates_of", "context_of", "event_of"]


def context_of(
    objects: Sequence[Any], slot_id: str = "", slot_objects: Sequence[Any] = ()
) -> Context:
    """The policy's context: the context's features, plus a slot's id and features."""
    features = context_features(list(objects), "contextFeatures")
    if slot_id:
        features = (*features, *slot_features(slot_id, list(slot_objects)))
    return Context(churn_score=0.0, features=features)


def candidates_of(actions: Sequence[tuple[str, Sequence[Any]]]) -> tuple[Candidate, ...]:
    """The policy's candidates of `(id, feature objects)` pairs, in order."""
    return tuple(
        Candidate(offer_id=a, category="action", features=action_features(list(f), "actions"))
        for a, f in actions
    )


def event_of(slot: LoggedSlot, reward: float) -> Event:
    """A logged slot with its final reward, as the event a policy learns."""
    return Event(
        context=context_of(slot.context, slot.slot_id, slot.slot_features or ()),
        candidates=candidates_of(slot.actions),
        chosen=slot.chosen,
        propensity=slot.propensity,
        reward=reward,
    )
