"""Auto-optimize end to end on a real runtime: challengers learn from the log, a clearly better
one is promoted through the registry (audited, rolled back by activating the previous version),
a worse one is not, and a restart continues the challengers from the database."""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import pytest

from nba.domain import FeedbackKind, FeedbackReport
from nba.runtime import Runtime, build_runtime
from nba.serving.inputs import DecisionRequest
from nba.storage import optimization as store
from tests.clock import ManualClock
from tests.conftest import SAMPLE_OFFERS

# Acceptance: the discount wins for churners, the loyalty offer for the others.
TRUTH = {
    ("high", "discount_10"): 0.6, ("high", "loyalty"): 0.1, ("high", "device_upgrade"): 0.05,
    ("low", "discount_10"): 0.05, ("low", "loyalty"): 0.5, ("low", "device_upgrade"): 0.05,
}  # fmt: skip
BETTER = {"lints": {"policy": "lints", "params": {"epsilon": 0.05}}}
WORSE = {"rules": {"policy": "random"}}


def _settings(settings, challengers, **more):
    return settings.model_copy(
        update={
            "policy": "random",  # the deliberately poor champion
            "auto_optimize": True,
            "auto_optimize_challengers": challengers,
            "auto_optimize_holdout": 250,
            "auto_optimize_min_ess": 40,
            "new_offer_min_probability": 0,
            **more,
        }
    )


def _drive(runtime: Runtime, clock: ManualClock, n: int, seed: int, start: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for i in range(start, start + n):
        churn = float(rng.random())
        request = DecisionRequest(f"c{i}", churn, (("plan", "gold"), ("tenure_months", 24)))
        decision = runtime.decider.decide(request).decision
        band = "high" if churn >= 0.5 else "low"
        accepted = bool(rng.random() < TRUTH.get((band, decision.chosen), 0.02))
        clock.advance(timedelta(seconds=1))
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, accepted))


@pytest.fixture
def built(request, sqlite_url, tmp_path):
    from nba.config import Settings

    base = Settings(database_url=sqlite_url, data_dir=tmp_path, seed=7, save_interval_s=3600)
    settings = _settings(base, request.param)
    clock = ManualClock()
    runtime = build_runtime(settings, clock)
    for spec in SAMPLE_OFFERS:
        runtime.catalog.add(spec)
    runtime.save_model()  # version 1: the champion
    yield runtime, clock, settings
    runtime.close()


@pytest.mark.parametrize("built", [BETTER], indirect=True)
def test_a_clearly_better_challenger_is_promoted_audited_and_can_be_rolled_back(built):
    runtime, clock, _ = built
    _drive(runtime, clock, 700, seed=1)
    runtime.save_model()  # the champion trains; the challengers learn all but the holdout
    found = runtime.optimizer.run()
    (result,) = found.results
    assert found.promoted == "lints", result
    assert result["snips"]["lift_ci_low"] > 0 and result["dr"]["lift_ci_low"] > 0
    assert runtime.keeper.model_version == found.promoted_version
    promoted = runtime.models.get(found.promoted_version)
    assert promoted.is_active and promoted.policy == "lints"
    entries = runtime.audit.list(entity="model")
    assert entries[0].action == "promote" and entries[0].entity_id == str(promoted.version)
    previous = found.champion_version
    runtime.models.activate(previous)
    assert runtime.keeper.model_version == previous
    assert [o.id for o in runtime.optimizer.history()] == [found.id]


@pytest.mark.parametrize("built", [WORSE], indirect=True)
def test_a_worse_challenger_changes_nothing_and_the_comparison_is_kept(built):
    runtime, clock, _ = built
    _drive(runtime, clock, 500, seed=2)
    runtime.save_model()
    before = runtime.keeper.model_version
    found = runtime.optimizer.run()
    assert found.promoted is None and found.rows == 250
    assert runtime.keeper.model_version == before
    assert found.results[0]["promotable"] is False


@pytest.mark.parametrize("built", [BETTER], indirect=True)
def test_a_restart_continues_the_challengers_from_the_database(built):
    runtime, clock, settings = built
    _drive(runtime, clock, 400, seed=3)
    runtime.save_model()
    with runtime.database.session() as session:
        (state,) = store.challengers(session).values()
    assert state.learned == 400 - 250 and state.data
    runtime.close()
    again = build_runtime(settings, clock)
    try:
        _drive(again, clock, 100, seed=4, start=400)
        again.save_model()
        with again.database.session() as session:
            (resumed,) = store.challengers(session).values()
        assert resumed.learned == 500 - 250 and resumed.learned_until > state.learned_until
    finally:
        again.close()


def test_the_scheduler_compares_when_auto_optimize_is_on(sqlite_url, tmp_path):
    from nba.config import Settings

    settings = Settings(
        database_url=sqlite_url, data_dir=tmp_path, seed=7, save_interval_s=3600,
        auto_optimize=True, auto_optimize_interval_s=0.2,
    )  # fmt: skip
    runtime = build_runtime(settings)
    try:
        runtime.start_jobs()
        deadline = time.monotonic() + 10
        while not runtime.optimizer.history() and time.monotonic() < deadline:
            time.sleep(0.1)
        (found, *_) = runtime.optimizer.history()
        assert found.promoted is None and found.note == "no model version is active yet"
    finally:
        runtime.close()


@pytest.mark.parametrize("built", [BETTER], indirect=True)
def test_a_better_challenger_is_not_promoted_over_a_pinned_version(built):
    runtime, clock, _ = built
    _drive(runtime, clock, 700, seed=1)
    runtime.save_model()
    pinned = runtime.keeper.model_version
    runtime.models.pin(pinned)
    found = runtime.optimizer.run()
    assert found.results[0]["promotable"] is True and found.promoted is None
    assert "pinned" in str(found.note) and runtime.keeper.model_version == pinned
