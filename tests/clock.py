"""A clock a test controls: the real time plus an offset the test moves forward."""

from __future__ import annotations

from datetime import datetime, timedelta

from nba.clock import utc_now


class ManualClock:
    """Callable like `nba.clock.utc_now`; `advance` jumps ahead (days pass in a test)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        return utc_now() + self._offset

    def advance(self, delta: timedelta) -> None:
        """Move the clock `delta` forward from now on."""
        self._offset += delta
