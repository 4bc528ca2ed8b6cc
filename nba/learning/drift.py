"""Drift monitor: a rolling acceptance rate per offer, the recent window against the one before.

An offer is flagged when a two-proportion z-test between its newest `window` reported outcomes
and the `window` before them exceeds `z` (both windows full). Flags go to the log (WARNING)
and to Prometheus (`nba_offer_drift`). Forgetting itself is the learner's: with VW set
`policy_params` `power_t` (0 keeps the learning rate constant, so old data fades) and
`learning_rate`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from nba.storage import Database, recent_acceptance

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OfferDrift:
    """One offer's recent and previous acceptance rates and whether they differ."""

    offer_id: str
    recent_rate: float
    previous_rate: float
    recent_n: int
    previous_n: int
    z: float
    drifted: bool


def compare_windows(offer_id: str, answers: list[bool], window: int, z: float) -> OfferDrift:
    """The drift verdict of one offer from its answers, newest first."""
    recent, previous = answers[:window], answers[window : 2 * window]
    p1 = sum(recent) / len(recent) if recent else 0.0
    p0 = sum(previous) / len(previous) if previous else 0.0
    score = 0.0
    if len(recent) == window and len(previous) == window:
        pooled = (sum(recent) + sum(previous)) / (2 * window)
        se = math.sqrt(pooled * (1 - pooled) * 2 / window)
        score = (p1 - p0) / se if se > 0 else 0.0
    return OfferDrift(offer_id, p1, p0, len(recent), len(previous), score, abs(score) > z)


class DriftMonitor:
    """Checks every offer's acceptance rate; `last` keeps the latest verdicts."""

    def __init__(self, database: Database, window: int, z: float) -> None:
        self._database = database
        self._window = window
        self._z = z
        self.last: tuple[OfferDrift, ...] = ()

    def check(self) -> tuple[OfferDrift, ...]:
        """Compare the two newest windows of every offer; log the drifted ones."""
        with self._database.session(readonly=True) as session:
            answers = recent_acceptance(session, 2 * self._window)
        self.last = tuple(
            compare_windows(offer_id, found, self._window, self._z)
            for offer_id, found in sorted(answers.items())
        )
        for d in self.last:
            if d.drifted:
                log.warning(
                    "acceptance of offer %s drifted: %.3f over the last %d outcomes vs %.3f "
                    "before (z=%.1f)", d.offer_id, d.recent_rate, d.recent_n, d.previous_rate, d.z,
                )  # fmt: skip
        return self.last
