"""Cold start: a new offer gets a minimum probability for its first shows.

Whatever the policy already transfers through the offer's features, an offer shown fewer
than `new_offer_shows` times gets at least `new_offer_min_probability` (never more than an
equal share); the other offers give up that mass in proportion to their own probability, so
the logged propensities stay exact and sum to 1.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from nba.storage import Database, show_counts


class ShowCounter:
    """How often each offer was chosen: from the database every `ttl_s`, plus local shows."""

    def __init__(self, database: Database, ttl_s: float, enough: int) -> None:
        self._database = database
        self._ttl_s = ttl_s
        self._enough = enough
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._seasoned: set[str] = set()
        self._read_at = 0.0

    def young(self, offer_ids: Sequence[str]) -> set[str]:
        """The offers among `offer_ids` shown fewer than `enough` times."""
        unknown = [o for o in offer_ids if o not in self._seasoned]
        if not unknown:
            return set()
        if time.monotonic() - self._read_at > self._ttl_s or any(
            o not in self._counts for o in unknown
        ):
            with self._database.session(readonly=True) as session:
                counts = show_counts(session, unknown)
            with self._lock:
                self._counts.update(counts)
                self._read_at = time.monotonic()
        with self._lock:
            for offer_id in unknown:
                if self._counts.get(offer_id, 0) >= self._enough:
                    self._seasoned.add(offer_id)
            return {o for o in unknown if o not in self._seasoned}

    def shown(self, offer_id: str) -> None:
        """Count a show made by this process (until the next database read)."""
        with self._lock:
            self._counts[offer_id] = self._counts.get(offer_id, 0) + 1


def with_floor(
    offer_ids: Sequence[str], probabilities: Sequence[float], young: set[str], floor: float
) -> tuple[float, ...]:
    """Raise the young offers to at least `floor` (capped at 1/K); rescale the others."""
    k = len(offer_ids)
    floor = min(floor, 1.0 / k)
    raised = [i for i, o in enumerate(offer_ids) if o in young and probabilities[i] < floor]
    if not raised or floor <= 0:
        return tuple(probabilities)
    others = [i for i in range(k) if i not in raised]
    mass = sum(probabilities[i] for i in others)
    left = 1.0 - floor * len(raised)
    out = list(probabilities)
    for i in raised:
        out[i] = floor
    for i in others:
        out[i] = probabilities[i] * left / mass if mass > 0 else left / len(others)
    return tuple(out)
