"""The trainer of record: learns each outcome once, one at a time, and respects pins."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from nba.config import Settings
from nba.domain import Feedback, FeedbackKind
from nba.errors import Conflict
from nba.learning.trainer import Trainer
from nba.runtime import build_runtime
from nba.storage import acquire_lock, list_model_versions, record_once, release_lock
from tests.clock import ManualClock
from tests.lifecycle.helpers import counts, decide_and_report, learned_in_versions, request


def test_training_learns_each_outcome_once_and_marks_it(runtime):
    decide_and_report(runtime, 30)
    first = runtime.trainer.run()
    assert first.version is not None and first.outcomes == 30
    assert counts(runtime) == (30, 0)
    decide_and_report(runtime, 10, start=30)
    second = runtime.trainer.run()
    assert second.outcomes == 10 and dict(second.version.metrics)["base_version"] == 1.0
    assert counts(runtime) == (40, 0) and learned_in_versions(runtime) == 40
    assert dict(second.version.metrics)["learned_total"] == 40


def test_training_with_nothing_new_saves_no_version(runtime):
    decide_and_report(runtime, 5)
    assert runtime.trainer.run().version is not None
    assert runtime.trainer.run().version is None
    with runtime.database.session(readonly=True) as session:
        assert len(list_model_versions(session)) == 1


def test_two_trainers_started_at_once_train_one_at_a_time(runtime, settings):
    decide_and_report(runtime, 300)
    trainers = [Trainer(runtime.database, settings, rng) for rng in runtime.refresh_rng.spawn(4)]
    runs = []
    start = threading.Barrier(len(trainers))

    def train(trainer: Trainer) -> None:
        start.wait()
        runs.append(trainer.run())

    threads = [threading.Thread(target=train, args=(t,)) for t in trainers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [r for r in runs if r.version is not None]
    assert len(saved) == 1 and saved[0].outcomes == 300
    assert counts(runtime) == (300, 0) and learned_in_versions(runtime) == 300


def test_the_lease_is_exclusive_until_it_expires(runtime):
    now = datetime.now(UTC)
    with runtime.database.session() as session:
        assert acquire_lock(session, "trainer", "a", 30, now)
    with runtime.database.session() as session:
        assert not acquire_lock(session, "trainer", "b", 30, now)
        assert acquire_lock(session, "trainer", "a", 30, now)  # renewal by the holder
    with runtime.database.session() as session:
        assert acquire_lock(session, "trainer", "b", 30, now + timedelta(seconds=31))
    with runtime.database.session() as session:
        release_lock(session, "trainer", "a")  # not a's any more: changes nothing
        assert not acquire_lock(session, "trainer", "a", 30, now + timedelta(seconds=32))


def test_a_trainer_that_loses_its_lease_saves_nothing(runtime, settings):
    decide_and_report(runtime, 20)
    slow = Trainer(runtime.database, settings.model_copy(update={"trainer_lease_s": 1e-6}),
                   runtime.refresh_rng)  # fmt: skip
    with pytest.raises(Conflict, match="trainer lease expired"):
        slow.run()
    assert counts(runtime) == (0, 20)
    assert runtime.trainer.run().outcomes == 20 and counts(runtime) == (20, 0)


def test_an_outcome_committed_late_with_an_older_time_is_still_learned(runtime):
    ids = decide_and_report(runtime, 10)
    late = runtime.decider.decide(request(99)).decision
    assert runtime.trainer.run().outcomes == 10
    old_ts = datetime.now(UTC) - timedelta(hours=1)  # older than anything learned so far
    with runtime.database.session() as session:
        answer = Feedback(FeedbackKind.ACCEPTANCE, late.id, True, None, old_ts, "reported", 1.0)
        record_once(session, answer)
    assert runtime.trainer.run().outcomes == 1
    assert counts(runtime) == (len(ids) + 1, 0)


def test_a_pinned_active_version_stays_active_while_training_continues(runtime):
    decide_and_report(runtime, 10)
    runtime.save_model()
    runtime.models.pin(1)
    decide_and_report(runtime, 10, start=10)
    run = runtime.trainer.run()
    assert run.version.version == 2 and not run.version.is_active
    decide_and_report(runtime, 10, start=20)
    third = runtime.trainer.run().version
    assert dict(third.metrics)["base_version"] == 2.0  # continues its own line from 2
    assert runtime.refresh_model() is None and runtime.keeper.model_version == 1
    runtime.models.activate(3)
    assert runtime.keeper.model_version == 3


def test_rollback_serves_the_older_version_and_training_continues_from_it(runtime):
    decide_and_report(runtime, 10)
    runtime.save_model()
    decide_and_report(runtime, 10, start=10)
    runtime.save_model()
    assert runtime.keeper.model_version == 2
    runtime.models.activate(1)
    assert runtime.keeper.model_version == 1
    decision = runtime.decider.decide(request(50)).decision
    assert decision.model_version == 1
    decide_and_report(runtime, 5, start=60)
    version = runtime.trainer.run().version
    assert dict(version.metrics)["base_version"] == 1.0 and version.is_active
    assert counts(runtime) == (25, 0)


def test_close_trains_what_is_left_unless_training_is_disabled(settings):
    quiet = build_runtime(settings.model_copy(update={"trainer_enabled": False}))
    decide_and_report(quiet, 3)
    quiet.close()
    again = build_runtime(settings)
    assert counts(again) == (0, 3)
    again.close()
    final = build_runtime(Settings(database_url=settings.database.url, seed=1))
    try:
        assert counts(final) == (3, 0) and final.keeper.model_version == 1
    finally:
        final.close()


def test_default_outcomes_are_recorded_once_and_learned_once(settings):
    clock = ManualClock()
    runtime = build_runtime(settings, clock)
    try:
        runtime.decider.decide(request(1))
        clock.advance(timedelta(days=settings.reward.window_days + 1))
        assert runtime.defaults.run() == {FeedbackKind.ACCEPTANCE: 1}
        assert runtime.defaults.run() == {FeedbackKind.ACCEPTANCE: 0}
        run = runtime.trainer.run()
        assert run.outcomes == 1 and counts(runtime) == (1, 0)
        assert runtime.trainer.run().version is None
    finally:
        runtime.close()


def test_serving_jobs_checkpoint_sqlite_in_the_background(runtime):
    runtime.start_jobs()
    jobs = {job.id for job in runtime.scheduler.get_jobs()}
    assert {"refresh_model", "defaults", "drift", "summaries"} <= jobs
    assert ("wal_checkpoint" in jobs) == runtime.database.is_sqlite
    decide_and_report(runtime, 5)  # commits go on while the job owns the checkpoints
    assert sum(counts(runtime)) == 5


def test_a_run_learns_at_most_its_limit_in_pages_and_the_next_run_goes_on(runtime, settings):
    decide_and_report(runtime, 45)
    paged = settings.model_copy(update={"train_batch": 7, "train_max_events": 20})
    trainer = Trainer(runtime.database, paged, runtime.refresh_rng)
    assert [trainer.run().outcomes for _ in range(4)] == [20, 20, 5, 0]
    assert counts(runtime) == (45, 0) and learned_in_versions(runtime) == 45
