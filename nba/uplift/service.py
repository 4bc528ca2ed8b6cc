"""Uplift reports on demand, and the scheduled one whose sleeping dogs the guard keeps out.

`report` estimates any window of the log when asked (CLI, API, console). `refresh`, run on the
trainer's process every `uplift_interval_s` (and `nba uplift --store`), estimates the newest
`uplift_window_days` and stores the report in the shared state `uplift_guard`; the decision
path reads its flags from there (`nba.serving.uplift_guard`), never estimating anything itself.
One process at a time refreshes (a lease), and a refresh is skipped when no retention answer
came since the last one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from nba.clock import utc_now
from nba.config import Settings
from nba.domain import FeedbackKind
from nba.learning.trainer import process_owner
from nba.storage import (
    Database,
    acquire_lock,
    count_feedback,
    get_state,
    release_lock,
    set_state,
)
from nba.uplift.data import read_retention_log
from nba.uplift.flags import GUARD_STATE, GuardFlag, flags_from_state, minute_words
from nba.uplift.report import UpliftReport, build_report

log = logging.getLogger(__name__)

LEASE = "uplift_guard"
LEASE_S = 600.0
GUARD_REWARD = "retention_value"
"""The guard judges offers by the value they keep, net of their cost."""


@dataclass(frozen=True, slots=True)
class GuardState:
    """What the guard holds now: whether it is on, its flags, and the report they came from
    (`computed_at` None: no report stored yet)."""

    enabled: bool
    flags: tuple[GuardFlag, ...]
    computed_at: str | None
    window_days: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: on or off, when its report was computed, its flags with their reasons."""
        return {
            "enabled": self.enabled,
            "computed_at": self.computed_at,
            "window_days": self.window_days,
            "flags": [
                {
                    "offer_id": f.offer_id,
                    "band": f.band,
                    "uplift": f.uplift,
                    "ci_low": f.ci_low,
                    "ci_high": f.ci_high,
                    "reason": f.reason,
                }
                for f in self.flags
            ],
            "words": self.words,
        }

    @property
    def words(self) -> str:
        """The guard's state in one sentence."""
        when = None if self.computed_at is None else minute_words(self.computed_at)
        if when is None:
            stored = "no uplift report is stored yet"
        elif not self.flags:
            stored = f"the report of {when} flags no offer"
        else:
            pairs = ", ".join(f"{f.offer_id} in the {f.band} band" for f in self.flags)
            stored = f"the report of {when} flags {pairs}"
        if self.enabled:
            return f"The uplift guard is on: {stored}; decisions leave flagged offers out there."
        return (
            f"The uplift guard is off (NBA_UPLIFT_GUARD=true turns it on): {stored}; flagged "
            "offers are still served."
        )


class UpliftReports:
    """Computes uplift reports (`report`), and the guard's stored one (`refresh`)."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        rng: np.random.Generator,
        clock: Callable[[], datetime] = utc_now,
        owner: str | None = None,
    ) -> None:
        self._database = database
        self._settings = settings
        self._rng = rng
        self._rng_lock = threading.Lock()
        self._clock = clock
        self._owner = owner or process_owner()
        self._running = threading.Lock()

    def report(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        reward: str = GUARD_REWARD,
        min_ess: float | None = None,
    ) -> UpliftReport:
        """The uplift report of the decisions made in [start, end) (whole log by default)."""
        s = self._settings
        log_ = read_retention_log(
            self._database, start, end, reward, s.reward.retention_default_value
        )
        with self._rng_lock:
            rng = self._rng.spawn(1)[0]
        return build_report(
            log_,
            reward=reward,
            computed_at=self._clock(),
            rng=rng,
            window=(start, end),
            min_ess=s.evaluation.uplift_min_ess if min_ess is None else min_ess,
        )

    def recent(self, days: float | None, reward: str = GUARD_REWARD) -> UpliftReport:
        """The report of the last `days` days of decisions (None: the whole log)."""
        start = None if days is None else self._clock() - timedelta(days=days)
        return self.report(start=start, reward=reward)

    def refresh(self, *, force: bool = False) -> UpliftReport | None:
        """Estimate the newest `uplift_window_days` and store it as the guard's report; None
        (nothing done) when no retention answer came since the last one (unless `force`) or
        another process is refreshing."""
        with self._running:
            with self._database.session() as session:
                if not acquire_lock(session, LEASE, self._owner, LEASE_S, self._clock()):
                    return None
            try:
                return self._refresh(force)
            finally:
                with self._database.session() as session:
                    release_lock(session, LEASE, self._owner)

    def shown(self, days: float | None, *, prefer_stored: bool) -> tuple[UpliftReport, bool]:
        """The stored report if `prefer_stored` and there is one, else `recent(days)`; and
        whether it is the stored one (the console's page: fast by default, a window on ask)."""
        stored = self.stored() if prefer_stored else None
        return (stored, True) if stored is not None else (self.recent(days), False)

    def stored(self) -> UpliftReport | None:
        """The guard's stored report (what `refresh` or `store` saved last), if any."""
        with self._database.session(readonly=True) as session:
            stored = get_state(session, GUARD_STATE)
        report = stored.get("report") if stored else None
        return UpliftReport.from_dict(report) if isinstance(report, dict) else None

    def guard(self) -> GuardState:
        """The guard's state: on or off, and the flags of the stored report."""
        with self._database.session(readonly=True) as session:
            stored = get_state(session, GUARD_STATE)
        report = stored.get("report") if stored else None
        computed = report.get("computed_at") if isinstance(report, dict) else None
        return GuardState(
            enabled=self._settings.serving.uplift_guard,
            flags=flags_from_state(stored),
            computed_at=None if computed is None else str(computed),
            window_days=self._settings.evaluation.uplift_window_days,
        )

    def _refresh(self, force: bool) -> UpliftReport | None:
        s = self._settings.evaluation
        with self._database.session(readonly=True) as session:
            answers = count_feedback(session, FeedbackKind.RETENTION)
            stored = get_state(session, GUARD_STATE)
        fingerprint = {
            "retention_answers": answers,
            "window_days": s.uplift_window_days,
            "min_ess": s.uplift_min_ess,
        }
        if not force and stored is not None and stored.get("fingerprint") == fingerprint:
            return None
        now = self._clock()
        report = self.report(start=now - timedelta(days=s.uplift_window_days))
        self.store(report, fingerprint)
        return report

    def store(self, report: UpliftReport, fingerprint: Mapping[str, object] | None = None) -> None:
        """Store `report` as the guard's: its sleeping dogs become the flags decisions read
        (within `offer_cache_s`). `fingerprint` is what `refresh` compares to skip a run."""
        with self._database.session() as session:
            set_state(
                session,
                GUARD_STATE,
                {
                    "fingerprint": None if fingerprint is None else dict(fingerprint),
                    "report": report.as_dict(),
                },
            )
        log.info(
            "uplift report stored: %d decisions with a retention answer, %d offer-band pairs "
            "flagged",
            report.rows,
            len(report.flagged),
        )
