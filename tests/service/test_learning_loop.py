"""The service learns outcomes once, saves model versions, and a restart loses no learning."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from nba.domain import FeedbackKind, FeedbackReport
from nba.runtime import build_runtime
from nba.serving.inputs import DecisionRequest
from nba.storage import count_feedback, list_model_versions
from tests.clock import ManualClock
from tests.conftest import SAMPLE_OFFERS
from tests.lifecycle.helpers import decide_until_chosen

ACCEPTANCE = FeedbackKind.ACCEPTANCE


def _request(i: int, churn: float = 0.6) -> DecisionRequest:
    return DecisionRequest(f"c{i}", churn, (("plan", "gold"), ("tenure_months", 24)))


def _accept(runtime, decision_id: str, accepted: bool = True):
    return runtime.feedback.record(FeedbackReport(ACCEPTANCE, decision_id, accepted))


def _rank_probabilities(runtime) -> tuple[float, ...]:
    return runtime.decider.preview(_request(0)).decision.probabilities


def test_restart_continues_from_saved_model_plus_later_outcomes(settings):
    first = build_runtime(settings)
    for spec in SAMPLE_OFFERS:
        first.catalog.add(spec)
    for i in range(40):
        d = first.decider.decide(_request(i)).decision
        _accept(first, d.id, d.chosen == "discount_10")
    assert first.save_model() == 1 and first.keeper.model_version == 1
    for i in range(40, 60):
        d = first.decider.decide(_request(i)).decision
        _accept(first, d.id, d.chosen == "discount_10")
    expected = _rank_probabilities(first)
    first.database.dispose()  # a crash: no save on the way out

    second = build_runtime(settings)
    try:
        assert second.keeper.model_version == 1
        assert _rank_probabilities(second) == expected
    finally:
        second.close()


def test_close_saves_a_new_model_version(settings):
    runtime = build_runtime(settings)
    d = runtime.decider.decide(_request(1)).decision
    _accept(runtime, d.id)
    runtime.close()
    reopened = build_runtime(settings)
    try:
        with reopened.database.session() as session:
            versions = list_model_versions(session)
        assert [v.version for v in versions] == [1]
        assert reopened.keeper.model_version == 1
        assert reopened.keeper.catch_up(reopened.database, [ACCEPTANCE]) == 0
    finally:
        reopened.close()


def test_scheduler_saves_the_model_periodically(settings):
    runtime = build_runtime(settings.model_copy(update={"save_interval_s": 0.3}))
    try:
        runtime.start_jobs()
        d = runtime.decider.decide(_request(1)).decision
        _accept(runtime, d.id)
        deadline = time.monotonic() + 10
        while runtime.keeper.model_version is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert runtime.keeper.model_version == 1
    finally:
        runtime.close()


def test_decisions_past_the_reward_window_get_the_default_outcome(settings):
    clock = ManualClock()
    runtime = build_runtime(settings, clock)
    try:
        old = runtime.decider.decide(_request(1)).decision
        clock.advance(timedelta(days=settings.reward.window_days + 1))
        fresh = runtime.decider.decide(_request(2)).decision
        assert runtime.defaults.apply(ACCEPTANCE) == 1
        _, outcome = runtime.feedback.get_decision(old.id)
        assert outcome is not None and outcome.source == "default" and outcome.reward == 0.0
        assert runtime.feedback.get_decision(fresh.id)[1] is None
        assert runtime.defaults.apply(ACCEPTANCE) == 0
    finally:
        runtime.close()


def test_concurrent_identical_outcomes_are_recorded_and_learned_once(settings):
    runtime = build_runtime(settings)
    try:
        d = runtime.decider.decide(_request(1)).decision
        created = []

        def report() -> None:
            created.append(_accept(runtime, d.id).created)

        threads = [threading.Thread(target=report) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(created) == [False] * 5 + [True]
        assert runtime.keeper.pending == 1
        with runtime.database.session() as session:
            assert count_feedback(session, ACCEPTANCE) == 1
    finally:
        runtime.close()


def test_net_value_reward_uses_value_minus_cost(settings):
    runtime = build_runtime(settings.model_copy(update={"reward_mode": "net_value"}))
    try:
        for spec in SAMPLE_OFFERS:
            runtime.catalog.add(spec)
        request = DecisionRequest("c", 0.9, (("tenure_months", 1),), offer_ids=("discount_10",))
        d = decide_until_chosen(runtime, request, "discount_10")
        accepted = _accept(runtime, d.id).feedback
        assert accepted.reward == (30.0 - 5.0) / settings.reward.scale
    finally:
        runtime.close()


def test_two_workers_with_one_seed_log_distinct_decisions(settings):
    first, second = build_runtime(settings), build_runtime(settings)
    try:
        a = first.decider.decide(_request(1)).decision
        b = second.decider.decide(_request(1)).decision
        assert a.id != b.id
        assert first.feedback.get_decision(b.id)[0] == b
    finally:
        first.close()
        second.close()
