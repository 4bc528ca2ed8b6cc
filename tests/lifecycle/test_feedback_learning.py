"""Both kinds of feedback, reported or default, are learned the same way online and by the
trainer: what the serving policy learns between versions is what the next version learns."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nba.config import RewardMode
from nba.domain import FeedbackKind, FeedbackReport
from nba.runtime import build_runtime
from tests.clock import ManualClock
from tests.conftest import SAMPLE_OFFERS
from tests.lifecycle.helpers import request

ACCEPTANCE, RETENTION = FeedbackKind.ACCEPTANCE, FeedbackKind.RETENTION
MODES = ["acceptance", "net_value", "retention_value"]


def _runtime(settings, mode: str, clock: ManualClock):
    runtime = build_runtime(settings.model_copy(update={"reward_mode": mode}), clock)
    for spec in SAMPLE_OFFERS:
        runtime.catalog.add(spec)
    return runtime


def _answer_some_and_default_the_rest(runtime, clock: ManualClock) -> dict[FeedbackKind, int]:
    ids = [runtime.decider.decide(request(i)).decision.id for i in range(8)]
    for decision_id in ids[:5]:
        runtime.feedback.record(FeedbackReport(ACCEPTANCE, decision_id, True, 40.0))
    for decision_id in ids[:2]:
        runtime.feedback.record(FeedbackReport(RETENTION, decision_id, True, 300.0))
    days = max(runtime.settings.reward.window_days, runtime.settings.reward.retention_window_days)
    clock.advance(timedelta(days=days + 1))
    defaulted = runtime.defaults.run()
    assert runtime.learner.drain(10)
    return defaulted


@pytest.mark.parametrize("mode", MODES)
def test_the_online_learner_learns_what_the_trainer_learns_defaults_included(settings, mode):
    clock = ManualClock()
    runtime = _runtime(settings, mode, clock)
    try:
        defaults = _answer_some_and_default_the_rest(runtime, clock)
        learns_retention = mode == RewardMode.RETENTION_VALUE
        # retention answers are the reward only under retention_value: only then defaulted
        assert defaults == ({ACCEPTANCE: 3, RETENTION: 6} if learns_retention else {ACCEPTANCE: 3})
        online = runtime.keeper.pending
        run = runtime.trainer.run()
        assert (run.outcomes, run.retention) == (8, 8 if learns_retention else 0)
        assert online == run.outcomes + run.retention
    finally:
        runtime.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_restart_catches_up_on_every_kind_the_trainer_would_learn(settings, mode):
    clock = ManualClock()
    runtime = _runtime(settings.model_copy(update={"trainer_enabled": False}), mode, clock)
    try:
        _answer_some_and_default_the_rest(runtime, clock)
        online = runtime.keeper.pending
    finally:
        runtime.close()  # training disabled: nothing saved, everything still to learn
    restarted = build_runtime(settings.model_copy(update={"reward_mode": mode}), clock)
    try:
        assert restarted.keeper.model_version is None
        assert (
            restarted.keeper.pending == online == (16 if mode == RewardMode.RETENTION_VALUE else 8)
        )
    finally:
        restarted.close()
