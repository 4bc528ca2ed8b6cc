"""Rank, multi-slot rank and reward bodies, validated as Personalizer validates them.

Limits: at most `MAX_ACTIONS` actions, ids and event ids of at most 256 characters, unique
action ids, a non-empty context, a reward in [-1, 1]. A violation is a PersonalizerError
with Personalizer's code (`InvalidRankRequest`, `InvalidRewardRequest`) naming the field.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nba.personalizer.errors import PersonalizerError
from nba.personalizer.features import action_features, context_features
from policies.base import Candidate, Features

__all__ = [
    "MAX_ACTIONS",
    "MAX_ID_LENGTH",
    "Action",
    "RankRequest",
    "Slot",
    "parse_multi_slot_reward",
    "parse_rank",
    "parse_reward",
    "slot_features",
]

MAX_ACTIONS = 50
MAX_ID_LENGTH = 256
MAX_SLOTS = 50
_RANK = "InvalidRankRequest"
_REWARD = "InvalidRewardRequest"


@dataclass(frozen=True, slots=True)
class Action:
    """One rankable action: its id, its feature objects as sent, and their flat features."""

    id: str
    objects: tuple[Any, ...]
    features: Features

    def candidate(self) -> Candidate:
        """The action as nba's policies see it."""
        return Candidate(offer_id=self.id, category="action", features=self.features)


@dataclass(frozen=True, slots=True)
class Slot:
    """One slot of a multi-slot rank: id, baseline action, excluded ids, feature objects, and
    the flat features it adds to the context (its own and its id's)."""

    id: str
    baseline: str
    excluded: frozenset[str]
    objects: tuple[Any, ...]
    features: Features = ()


@dataclass(frozen=True, slots=True)
class RankRequest:
    """A validated rank request (`slots` empty for a single-slot rank)."""

    event_id: str
    context: tuple[Any, ...]
    actions: tuple[Action, ...]
    excluded: frozenset[str]
    defer_activation: bool
    slots: tuple[Slot, ...] = ()
    features: Features = ()
    """The context's flat features (as `nba.personalizer.features` maps them)."""

    def available(self, taken: frozenset[str] = frozenset()) -> tuple[Action, ...]:
        """The actions not excluded (nor `taken`), in the order sent."""
        return tuple(a for a in self.actions if a.id not in self.excluded and a.id not in taken)


def parse_rank(body: object, *, multi_slot: bool = False) -> RankRequest:
    """A rank (or multi-slot rank) body as a RankRequest; `eventId` made when absent."""
    if not isinstance(body, Mapping):
        raise PersonalizerError("BadRequest", "the body must be a JSON object")
    context = body.get("contextFeatures")
    features = context_features(context, "contextFeatures") if isinstance(context, list) else ()
    if not isinstance(context, list) or not features:
        raise PersonalizerError(
            _RANK, "contextFeatures must be a non-empty array of feature objects",
            target="contextFeatures",
        )  # fmt: skip
    actions = _actions(body.get("actions"))
    excluded = _ids(body.get("excludedActions"), "excludedActions")
    known = {a.id for a in actions}
    # An excluded id that names no action of this request excludes nothing: clients often
    # send one exclusion list for every request.
    excluded &= known
    defer = body.get("deferActivation", False)
    if defer is None:
        defer = False
    if not isinstance(defer, bool):
        raise PersonalizerError(
            _RANK, "deferActivation must be a boolean", target="deferActivation"
        )
    slots = _slots(body.get("slots"), known) if multi_slot else ()
    request = RankRequest(_event_id(body.get("eventId")), tuple(context), actions, excluded,
                          defer, slots, features)  # fmt: skip
    if not multi_slot and not request.available():
        raise PersonalizerError(_RANK, "every action is excluded", target="excludedActions")
    return request


def parse_reward(body: object) -> float:
    """The `value` of a single-slot reward body, in [-1, 1]."""
    if not isinstance(body, Mapping):
        raise PersonalizerError(_REWARD, "the body must be a JSON object with 'value'")
    return _reward_value(body.get("value"), "value")


def parse_multi_slot_reward(body: object) -> dict[str, float]:
    """`{"reward": [{"slotId", "value"}]}` as slot id -> value."""
    items = body.get("reward") if isinstance(body, Mapping) else None
    if not isinstance(items, list) or not items:
        raise PersonalizerError(_REWARD, "reward must be a non-empty array", target="reward")
    rewards: dict[str, float] = {}
    for i, item in enumerate(items):
        slot = item.get("slotId") if isinstance(item, Mapping) else None
        if not isinstance(slot, str) or not slot:
            raise PersonalizerError(_REWARD, f"reward[{i}].slotId must be a string",
                                    target=f"reward[{i}].slotId")  # fmt: skip
        if slot in rewards:
            raise PersonalizerError(_REWARD, f"slot {slot!r} is rewarded twice",
                                    target=f"reward[{i}].slotId")  # fmt: skip
        rewards[slot] = _reward_value(item.get("value"), f"reward[{i}].value")
    return rewards


def _reward_value(value: object, target: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PersonalizerError(_REWARD, f"{target} must be a number", target=target)
    if not -1.0 <= float(value) <= 1.0:
        raise PersonalizerError(_REWARD, f"{target} must be in [-1, 1], got {value}", target=target)
    return float(value)


def _actions(value: object) -> tuple[Action, ...]:
    if not isinstance(value, list) or not value:
        raise PersonalizerError(_RANK, "actions must be a non-empty array", target="actions")
    if len(value) > MAX_ACTIONS:
        raise PersonalizerError(
            _RANK, f"at most {MAX_ACTIONS} actions may be ranked, got {len(value)}",
            target="actions",
        )  # fmt: skip
    actions: list[Action] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        target = f"actions[{i}]"
        if not isinstance(item, Mapping):
            raise PersonalizerError(_RANK, f"{target} must be an object", target=target)
        action_id = _id(item.get("id"), f"{target}.id")
        if action_id in seen:
            raise PersonalizerError(_RANK, f"action id {action_id!r} appears twice",
                                    target=f"{target}.id")  # fmt: skip
        seen.add(action_id)
        objects = item.get("features")
        if not isinstance(objects, list):
            raise PersonalizerError(_RANK, f"{target}.features must be an array of objects",
                                    target=f"{target}.features")  # fmt: skip
        features = action_features(objects, f"{target}.features")
        actions.append(Action(action_id, tuple(objects), features))
    return tuple(actions)


def _slots(value: object, known: set[str]) -> tuple[Slot, ...]:
    if not isinstance(value, list) or not value:
        raise PersonalizerError(_RANK, "slots must be a non-empty array", target="slots")
    if len(value) > MAX_SLOTS:
        raise PersonalizerError(_RANK, f"at most {MAX_SLOTS} slots", target="slots")
    slots: list[Slot] = []
    for i, item in enumerate(value):
        target = f"slots[{i}]"
        if not isinstance(item, Mapping):
            raise PersonalizerError(_RANK, f"{target} must be an object", target=target)
        slot_id = _id(item.get("id"), f"{target}.id")
        baseline = _id(item.get("baselineAction"), f"{target}.baselineAction")
        excluded = _ids(item.get("excludedActions"), f"{target}.excludedActions")
        objects = item.get("features") or []
        if baseline not in known:
            raise PersonalizerError(_RANK, f"{target}.baselineAction must name an action",
                                    target=f"{target}.baselineAction")  # fmt: skip
        if baseline in excluded:
            raise PersonalizerError(_RANK, f"{target}.baselineAction must not be excluded",
                                    target=f"{target}.baselineAction")  # fmt: skip
        if not isinstance(objects, list):
            raise PersonalizerError(_RANK, f"{target}.features must be an array of objects",
                                    target=f"{target}.features")  # fmt: skip
        flat = slot_features(slot_id, objects, f"{target}.features")
        slots.append(Slot(slot_id, baseline, excluded, tuple(objects), flat))
    ids = [s.id for s in slots]
    if len(set(ids)) < len(ids):
        raise PersonalizerError(_RANK, "slot ids must be unique", target="slots")
    baselines = [s.baseline for s in slots]
    if len(set(baselines)) < len(baselines):
        raise PersonalizerError(_RANK, "each slot needs its own baselineAction", target="slots")
    return tuple(slots)


def slot_features(slot_id: str, objects: Sequence[Any], target: str = "slots") -> Features:
    """The features a slot adds to the context: its feature objects' and its id's."""
    return context_features([*objects, {"slot": {"id": slot_id}}], target)


def _id(value: object, target: str) -> str:
    if not isinstance(value, str) or not value:
        raise PersonalizerError(_RANK, f"{target} must be a non-empty string", target=target)
    if len(value) > MAX_ID_LENGTH:
        raise PersonalizerError(
            _RANK, f"{target} must be at most {MAX_ID_LENGTH} characters", target=target
        )
    return value


def _ids(value: object, target: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise PersonalizerError(_RANK, f"{target} must be an array of ids", target=target)
    return frozenset(_id(v, target) for v in value)


def _event_id(value: object) -> str:
    if value is None or value == "":
        return uuid.uuid4().hex
    if not isinstance(value, str):
        raise PersonalizerError(_RANK, "eventId must be a string", target="eventId")
    if len(value) > MAX_ID_LENGTH:
        raise PersonalizerError(
            _RANK, f"eventId must be at most {MAX_ID_LENGTH} characters", target="eventId"
        )
    return value
