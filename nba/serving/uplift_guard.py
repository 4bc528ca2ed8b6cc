"""The uplift guard inside decide: an offer flagged as a sleeping dog in the customer's churn
band is left out, with the reason recorded (`uplift guard: ...`).

The flags are those of the stored uplift report (`nba.uplift.service`), re-read at most every
`ttl_s` seconds; a decision never estimates anything. `no_action` is never left out, and when
the flags would leave no offer at all the guard leaves none out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from nba.domain import NO_ACTION_ID, Offer
from nba.evaluation.summaries import churn_band
from nba.storage import Database, get_state
from nba.uplift.flags import GUARD_STATE, GuardFlag, flags_from_state


class UpliftGuard:
    """Holds back the offers flagged in a request's churn band; counts the decisions it did."""

    def __init__(self, database: Database, *, ttl_s: float) -> None:
        self._database = database
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._by_band: dict[str, dict[str, GuardFlag]] = {}
        self._loaded_at = -float("inf")
        self._held = 0

    def invalidate(self) -> None:
        """Forget the flags read; the next decision reads them again."""
        with self._lock:
            self._loaded_at = -float("inf")

    def held_count(self) -> int:
        """Decisions in which the guard left at least one offer out, since start."""
        with self._lock:
            return self._held

    def screen(
        self, churn_score: float, offers: Sequence[Offer]
    ) -> tuple[list[Offer], list[tuple[Offer, str]]]:
        """The offers of `offers` the guard allows for a customer with `churn_score`, and the
        others with why."""
        flagged = self._current().get(churn_band(churn_score), {})
        if not flagged:
            return list(offers), []
        held = [o for o in offers if o.id in flagged and o.id != NO_ACTION_ID]
        if not held or len(held) == len(offers):
            return list(offers), []
        with self._lock:
            self._held += 1
        allowed = [o for o in offers if o not in held]
        return allowed, [(o, flagged[o.id].reason) for o in held]

    def _current(self) -> dict[str, dict[str, GuardFlag]]:
        now = time.monotonic()
        if now - self._loaded_at < self._ttl_s:
            return self._by_band
        with self._lock:
            if now - self._loaded_at >= self._ttl_s:
                with self._database.session(readonly=True) as session:
                    stored = get_state(session, GUARD_STATE)
                by_band: dict[str, dict[str, GuardFlag]] = {}
                for flag in flags_from_state(stored):
                    by_band.setdefault(flag.band, {})[flag.offer_id] = flag
                self._by_band = by_band
                self._loaded_at = time.monotonic()
            return self._by_band
