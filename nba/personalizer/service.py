"""The Rank / Reward / Activate API of a loop, single- and multi-slot.

Each call is validated before anything is written, then runs in one transaction. A rank logs
one row per slot with the probabilities served; rewards aggregate on the row (`earliest`
keeps the first, `sum` adds them up); the loop's trainer (`nba.personalizer.trainer`) learns
a row once its reward is final. A deferred event is learned only once activated; a reward
for an event not activated is accepted and not learned, as in Personalizer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from nba.personalizer.errors import PersonalizerError
from nba.personalizer.loops import LoopDirectory, LoopState
from nba.personalizer.models import LoopModels
from nba.personalizer.ranking import Choice, Sampler, choose
from nba.personalizer.requests import (
    Action,
    RankRequest,
    parse_multi_slot_reward,
    parse_rank,
    parse_reward,
)
from nba.personalizer.values import LoggedSlot
from nba.storage import Database
from nba.storage import personalizer as store
from policies import Context

__all__ = ["Personalizer"]

log = logging.getLogger(__name__)


class Personalizer:
    """Rank, reward and activate events of the loops of one database."""

    def __init__(
        self,
        database: Database,
        loops: LoopDirectory,
        models: LoopModels,
        sampler: Sampler,
        clock: Callable[[], datetime],
    ) -> None:
        self._database = database
        self.loops = loops
        self.models = models
        self._sampler = sampler
        self._clock = clock

    def rank(self, loop: str, body: object) -> dict[str, Any]:
        """A single-slot rank: `{"ranking", "eventId", "rewardActionId"}` (reply 201)."""
        request = parse_rank(body)
        state = self.loops.state(loop)
        policy, version = self.models.policy(state)
        candidates = request.available()
        choice = choose(
            policy, Context(0.0, request.features), candidates,
            mode=state.service.learning_mode, exploration=state.service.exploration,
            baseline=0, sampler=self._sampler,
        )  # fmt: skip
        self._log(request, state, [("", None, candidates, choice)], version)
        chosen = candidates[choice.chosen].id
        p = choice.probabilities
        order = sorted(range(len(candidates)), key=lambda i: (i != choice.chosen, -p[i]))
        ranking = [{"id": candidates[i].id, "probability": choice.probabilities[i]} for i in order]
        ranking += [{"id": a.id, "probability": 0.0} for a in request.actions
                    if a.id in request.excluded]  # fmt: skip
        return {"ranking": ranking, "eventId": request.event_id, "rewardActionId": chosen}

    def rank_multi_slot(self, loop: str, body: object) -> dict[str, Any]:
        """A multi-slot rank: one action per slot in slot order, none used twice (201).

        Each slot is a decision over the actions left, with the slot's id and features added
        to the context; a slot with no action left gets `rewardActionId` null.
        """
        request = parse_rank(body, multi_slot=True)
        state = self.loops.state(loop)
        policy, version = self.models.policy(state)
        taken: set[str] = set()
        decided: list[tuple[str, tuple[Any, ...] | None, tuple[Action, ...], Choice]] = []
        replies: list[dict[str, Any]] = []
        for slot in request.slots:
            candidates = tuple(
                a for a in request.available(frozenset(taken)) if a.id not in slot.excluded
            )
            if not candidates:
                replies.append({"id": slot.id, "rewardActionId": None})
                continue
            ids = [a.id for a in candidates]
            choice = choose(
                policy, Context(0.0, (*request.features, *slot.features)), candidates,
                mode=state.service.learning_mode, exploration=state.service.exploration,
                baseline=ids.index(slot.baseline) if slot.baseline in ids else 0,
                sampler=self._sampler,
            )  # fmt: skip
            taken.add(ids[choice.chosen])
            decided.append((slot.id, slot.objects, candidates, choice))
            replies.append({"id": slot.id, "rewardActionId": ids[choice.chosen]})
        self._log(request, state, decided, version)
        return {"eventId": request.event_id, "slots": replies}

    def reward(self, loop: str, event_id: str, body: object) -> None:
        """Record a single-slot reward in [-1, 1] (reply 204)."""
        value = parse_reward(body)
        self._reward(loop, event_id, {"": value})

    def reward_multi_slot(self, loop: str, event_id: str, body: object) -> None:
        """Record rewards of the slots of a multi-slot event (reply 204)."""
        self._reward(loop, event_id, parse_multi_slot_reward(body))

    def activate(self, loop: str, event_id: str) -> None:
        """Activate a deferred event (again: no change) so that its reward is learned (204)."""
        state = self.loops.state(loop)
        now = self._clock()
        with self._database.session() as session:
            rows = store.event_rows(session, state.name, event_id)
            if not rows:
                raise PersonalizerError(
                    "InvalidEventIdToActivate", f"no event {event_id!r} to activate",
                    target="eventId",
                )  # fmt: skip
            for row in rows:
                if not row.is_active:
                    row.is_active, row.activated_at = True, now
                    session.add(row)

    def _reward(self, loop: str, event_id: str, values: dict[str, float]) -> None:
        state = self.loops.state(loop)
        earliest = state.service.reward_aggregation == "earliest"
        now = self._clock()
        with self._database.session() as session:
            rows = {row.slot_id: row for row in store.event_rows(session, state.name, event_id)}
            if not rows:
                raise PersonalizerError(
                    "ResourceNotFound", f"no event {event_id!r} in this loop", target="eventId"
                )
            unknown = sorted(set(values) - set(rows))
            if unknown:
                problem = (
                    "is a multi-slot event: reward its slots"
                    if "" in unknown
                    else f"has no slot {unknown[0]!r}"
                )
                raise PersonalizerError(
                    "InvalidRewardRequest", f"event {event_id!r} {problem}", target="slotId"
                )
            for slot_id, value in values.items():
                row = rows[slot_id]
                if not row.is_active or row.learned_at is not None:
                    continue  # not activated, or its reward is final: not learned
                if row.reward_count == 0 or not earliest:
                    row.reward = value if row.reward is None or earliest else row.reward + value
                row.reward_count += 1
                row.rewarded_at = row.rewarded_at or now
                session.add(row)

    def _log(
        self,
        request: RankRequest,
        state: LoopState,
        decided: list[tuple[str, tuple[Any, ...] | None, tuple[Action, ...], Choice]],
        version: int | None,
    ) -> None:
        now = self._clock()
        active = not request.defer_activation
        slots = [
            LoggedSlot(
                loop=state.name, event_id=request.event_id, slot_id=slot_id, ts=now,
                context=request.context, slot_features=slot_objects,
                actions=tuple((a.id, a.objects) for a in candidates),
                excluded=tuple(sorted(request.excluded)), probabilities=choice.probabilities,
                chosen=choice.chosen, propensity=choice.probabilities[choice.chosen],
                mode=state.service.learning_mode, is_active=active,
                activated_at=now if active else None, reward=None, reward_count=0,
                learned_at=None, learned_reward=None, model_version=version,
            )
            for slot_id, slot_objects, candidates, choice in decided
        ]  # fmt: skip
        try:
            with self._database.session() as session:
                # A single-slot event's row has the primary key (loop, event id, ""): a repeat
                # fails the insert; a multi-slot event's id is looked up first.
                multi = bool(request.slots)
                if multi and store.event_exists(session, state.name, request.event_id):
                    raise _duplicate(request.event_id)
                store.add_slots(session, slots)
        except IntegrityError:  # the same id from another request a moment ago
            raise _duplicate(request.event_id) from None
        log.debug("personalizer rank loop=%s event_id=%s", state.name, request.event_id)


def _duplicate(event_id: str) -> PersonalizerError:
    return PersonalizerError(
        "InvalidRankRequest", f"eventId {event_id!r} was already used in this loop",
        target="eventId",
    )  # fmt: skip
