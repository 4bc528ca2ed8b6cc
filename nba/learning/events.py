"""Learnable events from the log: one logged decision and the reward its feedback earned.

Two inputs, one result: `to_event` builds the event of a decision in hand (online learning),
`EventDecoder` the event of a stored answer as the learners read it (`LearnRow`, catch-up and
the trainer); both give the very same `Event` for the same decision and reward.
"""

from __future__ import annotations

import orjson

from nba.domain import Decision
from nba.reward import corrected_target
from nba.storage import LearnRow
from policies.base import Candidate, Context, Event


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
    """Builds events from stored answers; candidates are decoded once per eligible set.

    The reward learned is the answer's, corrected for the interim reward it replaces when it
    is a retention answer (`nba.reward.corrected_target`).
    """

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
            reward=row.reward if row.interim is None else corrected_target(row.reward, row.interim),
        )
