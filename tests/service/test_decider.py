"""The decider logs each decision under the model version that ranked it, across hot swaps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from nba.domain import ModelVersion
from nba.learning.keeper import ModelKeeper, load_policy
from nba.runtime import Runtime
from nba.serving.decider import Decider
from nba.serving.offer_cache import OfferCache
from nba.storage import models
from policies.base import Candidate, Context, Policy, Ranking
from tests.lifecycle.helpers import decide_and_report, request


class SwapsRightAfterRanking(ModelKeeper):
    """A keeper whose first ranking is followed at once by a hot swap to `then`: the moment
    a worker's model poll can land between ranking and logging."""

    def __init__(self, policy: Policy, *, model_version: int, then: ModelVersion) -> None:
        super().__init__(policy, model_version=model_version)
        self._then: ModelVersion | None = then
        self.ranked_by: list[int | None] = []

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> tuple[Ranking, int | None]:
        ranked = super().rank(context, candidates)
        self.ranked_by.append(self.model_version)
        if self._then is not None:
            stored, self._then = self._then, None
            rng = np.random.default_rng(0)
            self.replace(load_policy(stored, rng), version=stored.version)
        return ranked


def _two_versions(runtime: Runtime) -> tuple[ModelVersion, ModelVersion]:
    decide_and_report(runtime, 10)
    runtime.trainer.run()
    decide_and_report(runtime, 10, start=10)
    runtime.trainer.run()
    with runtime.database.session(readonly=True) as session:
        first, second = models.get_model_version(session, 1), models.get_model_version(session, 2)
    assert first is not None and second is not None
    return first, second


def _swapping_decider(runtime: Runtime) -> tuple[SwapsRightAfterRanking, Decider]:
    """A decider on version 1 whose first ranking is followed by a swap to version 2."""
    first, second = _two_versions(runtime)
    keeper = SwapsRightAfterRanking(
        load_policy(first, np.random.default_rng(0)), model_version=1, then=second
    )
    decider = Decider(
        database=runtime.database,
        keeper=keeper,
        offer_cache=OfferCache(runtime.database, ttl_s=0),
        settings=runtime.settings,
        rng=np.random.default_rng(1),
    )
    return keeper, decider


def test_a_swap_right_after_ranking_logs_the_version_that_ranked(runtime):
    keeper, decider = _swapping_decider(runtime)
    decision = decider.decide(request(1)).decision
    assert keeper.model_version == 2  # swapped before the decision was logged
    assert keeper.ranked_by == [1]
    assert decision.model_version == 1
    again = decider.decide(request(2)).decision
    assert keeper.ranked_by == [1, 2] and again.model_version == 2


def test_a_swap_between_ranking_and_explaining_gives_no_reasons_of_the_new_model(runtime):
    _, decider = _swapping_decider(runtime)
    explained = decider.decide(replace(request(1), explain=True))
    assert explained.decision.model_version == 1
    assert explained.reasons is None and "new model version" in (explained.explain_note or "")
    again = decider.decide(replace(request(2), explain=True))
    assert again.decision.model_version == 2 and again.reasons is not None
