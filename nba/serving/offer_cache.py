"""A short-lived in-process copy of the active offers, so a decision needs no offer query."""

from __future__ import annotations

import threading
import time

from nba.domain import Offer
from nba.storage import Database, offers


class OfferCache:
    """Active offers re-read at most every `ttl_s` seconds, or at once after `invalidate()`.

    Other processes' edits show up within `ttl_s`; this process's own edits at once.
    """

    def __init__(self, database: Database, ttl_s: float = 2.0) -> None:
        self._database = database
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._offers: tuple[Offer, ...] = ()
        self._by_id: dict[str, Offer] = {}
        self._loaded_at = -float("inf")

    def active(self) -> tuple[Offer, ...]:
        """Every offer whose latest version is active, ordered by id."""
        self._refresh_if_stale()
        return self._offers

    def get(self, offer_id: str) -> Offer | None:
        """The latest active version of one offer, if any."""
        self._refresh_if_stale()
        return self._by_id.get(offer_id)

    def invalidate(self) -> None:
        """Forget the copy; the next read goes to the database."""
        with self._lock:
            self._loaded_at = -float("inf")

    def _refresh_if_stale(self) -> None:
        now = time.monotonic()
        if now - self._loaded_at < self._ttl_s:
            return
        with self._lock:
            if now - self._loaded_at < self._ttl_s:
                return
            with self._database.session(readonly=True) as session:
                loaded = tuple(offers.list_offers(session, status="active"))
            self._offers = loaded
            self._by_id = {o.id: o for o in loaded}
            self._loaded_at = time.monotonic()
