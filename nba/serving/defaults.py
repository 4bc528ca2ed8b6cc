"""The defaults job: a decision with no answer of a kind inside that kind's window gets the
default answer, recorded and learned like a reported one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from nba.clock import utc_now
from nba.config import Settings
from nba.domain import FeedbackKind
from nba.reward import learned_kinds
from nba.serving.feedback import FeedbackRecorder
from nba.storage import Database, decisions_without_feedback

log = logging.getLogger(__name__)


class DefaultFeedbackJob:
    """Gives unanswered decisions the default answer of each kind the reward mode learns.

    Outcomes: `default_accepted` after `reward_window_days`. Retention answers (under
    `retention_value` only): `retention_default_retained` after `retention_window_days`, at
    the value `retention_default_value`.
    """

    def __init__(
        self,
        *,
        database: Database,
        recorder: FeedbackRecorder,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._recorder = recorder
        self._settings = settings
        self._clock = clock

    def run(self, limit: int = 1000) -> dict[FeedbackKind, int]:
        """Apply the defaults of every kind the reward mode learns; how many of each."""
        return {kind: self.apply(kind, limit) for kind in learned_kinds(self._settings.reward.mode)}

    def apply(self, kind: FeedbackKind, limit: int = 1000) -> int:
        """Give the oldest `limit` decisions past `kind`'s window with no answer of `kind` the
        default one; returns how many were recorded."""
        s = self._settings
        if kind is FeedbackKind.ACCEPTANCE:
            window_days, answer = s.reward.window_days, s.reward.default_accepted
        else:
            window_days, answer = (
                s.reward.retention_window_days,
                s.reward.retention_default_retained,
            )
        cutoff = self._clock() - timedelta(days=window_days)
        with self._database.session(readonly=True) as session:
            stale = decisions_without_feedback(session, kind, cutoff, limit)
        recorded = sum(self._recorder.record_default(d, kind, answer) for d in stale)
        if recorded:
            log.info("recorded %d default %s answers", recorded, kind.value)
        return recorded
