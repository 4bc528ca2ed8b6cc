"""Online learning off the request path: an outcome is acknowledged without waiting for the
learner, every answer is learned once, in the order it was recorded, and a hot swap never
has an answer learned twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nba.config import Settings
from nba.domain import Decision, Feedback, FeedbackKind, FeedbackReport
from nba.learning.keeper import Answer
from nba.learning.online import OnlineLearner
from nba.runtime import Runtime, build_runtime
from policies.base import Candidate, Context, Policy
from tests.conftest import SAMPLE_OFFERS
from tests.lifecycle.helpers import request

ACCEPTANCE = FeedbackKind.ACCEPTANCE


def _built(settings: Settings) -> Runtime:
    runtime = build_runtime(settings)
    for spec in SAMPLE_OFFERS:
        runtime.catalog.add(spec)
    return runtime


@pytest.fixture
def sync_runtime(settings: Settings, tmp_path: Path) -> Iterator[Runtime]:
    """A second runtime of the same settings on its own SQLite file, learning on the caller's
    thread (`online_queue` 0): the reference a background learner must match."""
    reference = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'reference.db'}", "online_queue": 0}
    )
    built = _built(reference)
    yield built
    built.close()


def _live_policy(runtime: Runtime) -> Policy:
    found: list[Policy] = []
    runtime.keeper.with_lock(found.append)
    return found[0]


def _estimates(runtime: Runtime) -> list[tuple[float, ...]]:
    """The live model's reward estimate of every sample offer for a spread of customers: what
    learning made of it (its bytes also count the predictions it made)."""
    candidates = [Candidate(o.id, o.category, o.features) for o in runtime.catalog.list()]
    return [
        tuple(runtime.keeper.rank(context, candidates)[0].scores)
        for context in (
            Context(churn / 10, (("plan", plan), ("tenure_months", 3 * churn)))
            for churn in range(11)
            for plan in ("gold", "basic")
        )
    ]


def _decisions(runtime: Runtime, n: int) -> list[Decision]:
    return [runtime.decider.decide(request(i, churn=(i % 10) / 10)).decision for i in range(n)]


def _holding_the_keepers_lock(runtime: Runtime) -> tuple[threading.Event, threading.Thread]:
    """A thread that holds the model keeper's lock until the returned event is set."""
    held, release = threading.Event(), threading.Event()

    def hold(_: object) -> None:
        held.set()
        release.wait(30)

    thread = threading.Thread(target=runtime.keeper.with_lock, args=(hold,))
    thread.start()
    assert held.wait(10)
    return release, thread


def test_an_outcome_is_acknowledged_while_the_learner_cannot_learn(runtime: Runtime) -> None:
    decision = _decisions(runtime, 1)[0]
    release, holder = _holding_the_keepers_lock(runtime)
    try:
        # Learning on the request thread would block here until the lock is released.
        done = ThreadPoolExecutor(1).submit(
            runtime.feedback.record, FeedbackReport(ACCEPTANCE, decision.id, True)
        )
        assert done.result(timeout=10).created
        assert runtime.keeper.pending == 0 and runtime.learner.backlog() == 1
    finally:
        release.set()
        holder.join()
    assert runtime.learner.drain(10)
    assert runtime.keeper.pending == 1 and runtime.learner.learned == 1


def test_the_model_is_the_one_that_learns_the_same_answers_in_order(
    runtime: Runtime, sync_runtime: Runtime
) -> None:
    assert runtime.learner.in_background and not sync_runtime.learner.in_background
    recorded: list[tuple[Decision, Feedback]] = []
    for i, decision in enumerate(_decisions(runtime, 120)):
        accepted = (i * 7) % 3 == 0
        result = runtime.feedback.record(FeedbackReport(ACCEPTANCE, decision.id, accepted))
        recorded.append((decision, result.feedback))
    assert runtime.learner.drain(30)
    for decision, feedback in recorded:
        assert sync_runtime.keeper.learn(decision, feedback)
    background, in_order = _estimates(runtime), _estimates(sync_runtime)
    assert background == in_order
    shuffled = recorded[1:] + recorded[:1]  # the same answers in another order differ
    again = _built(
        sync_runtime.settings.model_copy(
            update={"database_url": sync_runtime.settings.database.url + "-2"}
        )
    )
    try:
        for decision, feedback in shuffled:
            again.keeper.learn(decision, feedback)
        assert _estimates(again) != in_order
    finally:
        again.close()


def test_concurrent_and_repeated_outcomes_are_learned_exactly_once(runtime: Runtime) -> None:
    decisions = _decisions(runtime, 90)
    reports = [FeedbackReport(ACCEPTANCE, d.id, i % 4 == 0) for i, d in enumerate(decisions)]
    with ThreadPoolExecutor(6) as pool:  # every report twice, from different threads
        created = list(pool.map(lambda r: runtime.feedback.record(r).created, reports * 2))
    assert sum(created) == len(decisions)
    assert runtime.learner.drain(30)
    assert runtime.keeper.pending == runtime.learner.learned == len(decisions)
    assert runtime.trainer.run().outcomes == len(decisions)


def test_answers_queued_before_a_hot_swap_are_left_to_the_catch_up(runtime: Runtime) -> None:
    decisions = _decisions(runtime, 4)
    feedbacks = [
        runtime.feedback.record(FeedbackReport(ACCEPTANCE, d.id, False)).feedback for d in decisions
    ]
    assert runtime.learner.drain(10)
    version = runtime.save_model()
    assert version is not None
    stale = Answer(decisions[0], feedbacks[0], None, runtime.keeper.generation)
    runtime.keeper.replace(_live_policy(runtime), version=version)  # as a pick-up of `version`
    assert runtime.keeper.generation == stale.generation + 1
    assert runtime.keeper.learn_answers([stale]) == 0
    fresh = Answer(decisions[0], feedbacks[0], None, runtime.keeper.generation)
    assert runtime.keeper.learn_answers([fresh]) == 1


def test_a_learner_far_behind_leaves_answers_to_the_trainer(runtime: Runtime) -> None:
    learner = OnlineLearner(runtime.keeper, queue_limit=2)
    decisions = _decisions(runtime, 6)
    feedbacks = [
        runtime.feedback.record(FeedbackReport(ACCEPTANCE, d.id, True)).feedback for d in decisions
    ]
    assert runtime.learner.drain(10)
    runtime.keeper.replace(_live_policy(runtime), version=1)  # all may be learned again
    release, holder = _holding_the_keepers_lock(runtime)
    try:
        for decision, feedback in zip(decisions, feedbacks, strict=True):
            learner.submit(decision, feedback, None)
    finally:
        release.set()
        holder.join()
    assert learner.drain(10)
    # The thread may hold up to one full queue in the batch it waits to learn, so at least
    # 6 - 2 queued - 2 in that batch are dropped; every answer is either learned or dropped.
    assert learner.dropped >= len(decisions) - 2 * 2
    assert learner.learned + learner.dropped == len(decisions)
    learner.stop()
