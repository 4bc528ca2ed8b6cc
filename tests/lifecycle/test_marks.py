"""A training run's marks: sent while learning on PostgreSQL, at saving on SQLite, and
committed with the version that learned them or not at all."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import policies
from nba.domain import FeedbackKind, FeedbackReport
from nba.learning.marks import FeedbackMarks
from nba.storage import add_model_version, models
from tests.lifecycle.helpers import counts, decide_and_report

ACCEPTANCE, RETENTION = FeedbackKind.ACCEPTANCE, FeedbackKind.RETENTION


def _save(marks: FeedbackMarks) -> int:
    session = marks.saving()
    saved = add_model_version(session, "vw", {}, b"", None, {}, True, version=marks.version)
    return saved.version


def test_marks_commit_with_the_version_that_learned_them(runtime):
    ids = decide_and_report(runtime, 12)
    with FeedbackMarks(runtime.database) as marks:
        marks.add(ACCEPTANCE, ids[:5])
        marks.add(ACCEPTANCE, ids[5:])
        version = _save(marks)
        assert marks.finish(version) == 12
    assert counts(runtime) == (12, 0)
    with runtime.database.session(readonly=True) as session:
        assert models.get_model_version(session, version) is not None


def test_marks_of_both_kinds_commit_with_one_version(runtime):
    ids = decide_and_report(runtime, 6)
    for decision_id in ids[:4]:
        runtime.feedback.record(FeedbackReport(RETENTION, decision_id, True, 50.0))
    with FeedbackMarks(runtime.database) as marks:
        marks.add(ACCEPTANCE, ids)
        marks.add(RETENTION, ids[:4])
        assert marks.finish(_save(marks)) == 10
    assert counts(runtime, ACCEPTANCE) == (6, 0) and counts(runtime, RETENTION) == (4, 0)


def test_an_error_before_the_commit_leaves_no_mark(runtime):
    ids = decide_and_report(runtime, 8)
    failing = pytest.raises(RuntimeError, match="learning failed")
    with failing, FeedbackMarks(runtime.database) as marks:
        marks.add(ACCEPTANCE, ids)
        marks.saving()
        raise RuntimeError("learning failed")
    assert counts(runtime) == (0, 8)


def test_postgresql_marks_are_sent_while_learning_and_seen_only_once_saved(runtime):
    if runtime.database.is_sqlite:
        pytest.skip("SQLite sends the marks when saving")
    ids = decide_and_report(runtime, 10)
    with FeedbackMarks(runtime.database) as marks:
        assert marks.version == 1  # taken up front: the marks carry it
        marks.add(ACCEPTANCE, ids)
        session = marks.saving()
        marked = sa.text("SELECT count(*) FROM outcomes WHERE learned_version = 1")
        assert session.execute(marked).scalar_one() == 10  # in the open transaction already
        assert counts(runtime) == (0, 10)  # and nobody else sees them yet
        assert marks.finish(_save(marks)) == 10
    assert counts(runtime) == (10, 0)


def test_postgresql_a_version_number_taken_meanwhile_rolls_the_marks_back(runtime):
    if runtime.database.is_sqlite:
        pytest.skip("SQLite numbers the version when saving")
    ids = decide_and_report(runtime, 6)
    with pytest.raises(sa.exc.IntegrityError), FeedbackMarks(runtime.database) as marks:
        marks.add(ACCEPTANCE, ids)
        with runtime.database.session() as other:  # another writer takes number 1
            add_model_version(other, "vw", {}, policies.get("vw").save(), None)
        _save(marks)
    assert counts(runtime) == (0, 6)
    assert runtime.trainer.run().outcomes == 6 and counts(runtime) == (6, 0)
