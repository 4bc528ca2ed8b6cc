"""Per-offer counts of one process since it started (shows, accepts), read by /metrics."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable


class OfferCounts:
    """A thread-safe tally by offer id; offers are a catalogue, so the keys stay few."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, offer_ids: Iterable[str]) -> None:
        """Count one more for each id given (an id given twice counts twice)."""
        with self._lock:
            self._counts.update(offer_ids)

    def snapshot(self) -> dict[str, int]:
        """The counts so far, by offer id."""
        with self._lock:
            return dict(self._counts)
