"""Baselines every learner must beat: uniform random and a marketer's churn-band rules."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from policies._validate import candidates_given, event_label, index_in, integer, real
from policies.attribution import CHURN, DecisionNames, Subject, relative_reasons
from policies.base import Candidate, Context, Event, Ranking, Reason
from policies.encoding import shared_features
from policies.errors import InvalidModel, InvalidParameter

__all__ = ["DEFAULT_PREFERENCES", "ChurnBandRules", "UniformRandom"]

DEFAULT_PREFERENCES: dict[str, list[str]] = {
    "low": ["none", "upsell"],
    "medium": ["loyalty", "data_bonus"],
    "high": ["discount", "device", "service"],
}


def _state(kind: str) -> bytes:
    return json.dumps({"format": "nba-baseline-1", "policy": kind}).encode()


def _check_state(data: bytes, kind: str) -> None:
    if not isinstance(data, bytes | bytearray):
        raise InvalidModel("must be bytes from save()")
    try:
        state = json.loads(bytes(data))
    except ValueError as error:
        raise InvalidModel(f"not a saved {kind} policy") from error
    if state != json.loads(_state(kind)):
        raise InvalidModel(f"not a saved {kind} policy, got {state!r}")


@dataclass(frozen=True, slots=True)
class _Bands:
    """ChurnBandRules' validated parameters: band edges, preferred categories, epsilon."""

    preferences: tuple[tuple[str, tuple[str, ...]], ...]
    low_below: float
    high_from: float
    epsilon: float


class UniformRandom:
    """Every candidate with the same probability; scores are all 0 (no estimate)."""

    name = "random"
    cannot_explain = (
        "uniform random gives every offer the same chance: nothing set one above another"
    )

    def __init__(self, rng: np.random.Generator | None = None) -> None:
        """No parameters; `rng` is accepted for a uniform factory signature and unused."""

    @property
    def params(self) -> dict[str, object]:
        """No parameters."""
        return {}

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """1/K for each of the K candidates."""
        candidates_given(candidates)
        shared_features(context)  # the same input checks as every other policy
        k = len(candidates)
        return Ranking(
            offer_ids=tuple(c.offer_id for c in candidates),
            probabilities=(1.0 / k,) * k,
            scores=(0.0,) * k,
        )

    def learn(self, events: Iterable[Event]) -> None:
        """Check the events and learn nothing."""
        for event in events:
            event_label(event)

    def save(self) -> bytes:
        """A small JSON tag: there is no state."""
        return _state(self.name)

    def load(self, data: bytes) -> None:
        """Accept only what `save` wrote."""
        _check_state(data, self.name)


class ChurnBandRules:
    """A marketer's rule: the churn band picks preferred offer categories.

    Bands: `low` below `low_below`, `medium` below `high_from`, else `high`. The preferred
    candidates (category listed for the band) share `1 - epsilon`; `epsilon` is spread over
    all candidates so every propensity is > 0. With no preferred candidate eligible the
    ranking is uniform. Scores: 1.0 for a preferred candidate, 0.0 otherwise.
    """

    name = "rules"

    def __init__(
        self,
        rng: np.random.Generator | None = None,
        *,
        preferences: Mapping[str, Sequence[str]] | None = None,
        low_below: float = 0.3,
        high_from: float = 0.6,
        epsilon: float = 0.1,
    ) -> None:
        """Validate the band edges, epsilon and the band → categories mapping."""
        prefs = DEFAULT_PREFERENCES if preferences is None else preferences
        if not isinstance(prefs, Mapping) or set(prefs) != {"low", "medium", "high"}:
            raise InvalidParameter(
                "preferences",
                f"must map exactly 'low', 'medium', 'high' to category lists, got {preferences!r}",
            )
        for band, categories in prefs.items():
            if isinstance(categories, str) or not all(isinstance(c, str) for c in categories):
                raise InvalidParameter("preferences", f"{band!r} must list category names")
        low = real("low_below", low_below, 0.0, 1.0)
        high = real("high_from", high_from, 0.0, 1.0)
        if high < low:
            raise InvalidParameter("high_from", f"must be >= low_below ({low}), got {high_from!r}")
        self._p = _Bands(
            preferences=tuple((band, tuple(prefs[band])) for band in ("low", "medium", "high")),
            low_below=low,
            high_from=high,
            epsilon=real("epsilon", epsilon, 0.0, 1.0, open_low=True),
        )

    @property
    def params(self) -> dict[str, object]:
        """The constructor arguments, validated (JSON-ready: lists, not tuples)."""
        p = self._p
        return {
            "preferences": {band: list(categories) for band, categories in p.preferences},
            "low_below": p.low_below,
            "high_from": p.high_from,
            "epsilon": p.epsilon,
        }

    def band(self, churn_score: float) -> str:
        """The churn band name of a score."""
        if churn_score < self._p.low_below:
            return "low"
        return "medium" if churn_score < self._p.high_from else "high"

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """Most mass on the band's preferred categories, epsilon over all candidates."""
        candidates_given(candidates)
        shared_features(context)  # validates churn_score and the context like other policies
        preferred = set(dict(self._p.preferences)[self.band(context.churn_score)])
        hits = np.array([c.category in preferred for c in candidates], dtype=float)
        k = len(candidates)
        eps = self._p.epsilon
        greedy = hits / hits.sum() if hits.any() else np.full(k, 1.0 / k)
        probs = (1.0 - eps) * greedy + eps / k
        probs /= probs.sum()
        return Ranking(
            offer_ids=tuple(c.offer_id for c in candidates),
            probabilities=tuple(float(p) for p in probs),
            scores=tuple(float(h) for h in hits),
        )

    def explain(
        self, context: Context, candidates: Sequence[Candidate], index: int, top: int = 5
    ) -> tuple[Reason, ...]:
        """One reason: the churn score, whose band prefers some categories over others.

        Its weight is this candidate's score (1 if its category is preferred in the band, else
        0) minus the mean score of the others; none when it scores like every other candidate.
        """
        index = index_in("index", index, len(candidates))
        integer("top", top, 1, 10_000)
        scores = self.rank(context, candidates).scores
        churn: Subject = (CHURN, (CHURN,))
        names = DecisionNames.of(context, candidates)
        return relative_reasons(names, [{churn: s} for s in scores], index, top)

    def learn(self, events: Iterable[Event]) -> None:
        """Check the events and learn nothing: the rules are fixed."""
        for event in events:
            event_label(event)

    def save(self) -> bytes:
        """A small JSON tag: the rules live in `params`."""
        return _state(self.name)

    def load(self, data: bytes) -> None:
        """Accept only what `save` wrote."""
        _check_state(data, self.name)
