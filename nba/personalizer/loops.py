"""The learning loops of one deployment: which loop a key speaks to, and each loop's settings.

Several loops share one database, each with its own keys, settings, log and models (one per
former Personalizer resource). A key bound to no loop speaks to the default loop, which is
made on first use, so `nba serve` and a key are enough to start. Settings are read through a
cache of `ttl_s` seconds: a change made by another process applies within that time, one
made by this process at once.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from nba.domain import ApiKey
from nba.errors import Conflict, InvalidInput, NotFound
from nba.personalizer.configuration import ServiceConfiguration
from nba.personalizer.learning_settings import LearningSettings
from nba.personalizer.values import DEFAULT_LOOP, Loop
from nba.storage import Database
from nba.storage import personalizer as store

__all__ = ["LoopDirectory", "LoopState"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
class LoopState:
    """A loop's name and its parsed settings."""

    name: str
    service: ServiceConfiguration
    learning: LearningSettings
    created_at: datetime


class LoopDirectory:
    """Loops by name and by key, with their settings cached for `ttl_s` seconds."""

    def __init__(self, database: Database, clock: Callable[[], datetime], ttl_s: float = 1.0):
        self._database = database
        self._clock = clock
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._states: dict[str, tuple[float, LoopState]] = {}
        self._keys: dict[str, tuple[float, str]] = {}

    def loop_of(self, key: ApiKey) -> str:
        """The loop `key` speaks to (the default loop for a key bound to none)."""
        now = time.monotonic()
        with self._lock:
            hit = self._keys.get(key.id)
        if hit is not None and now - hit[0] < self._ttl_s:
            return hit[1]
        with self._database.session(readonly=True) as session:
            loop = store.loop_of_key(session, key.id) or DEFAULT_LOOP
        with self._lock:
            self._keys[key.id] = (now, loop)
        return loop

    def state(self, name: str) -> LoopState:
        """A loop's settings; the default loop is created if it does not exist yet."""
        now = time.monotonic()
        with self._lock:
            hit = self._states.get(name)
        if hit is not None and now - hit[0] < self._ttl_s:
            return hit[1]
        with self._database.session(readonly=True) as session:
            loop = store.get_loop(session, name)
        if loop is None:
            if name != DEFAULT_LOOP:
                raise NotFound("loop", name)
            loop = self._create(name, must_be_new=False)
        state = _state(loop)
        with self._lock:
            self._states[name] = (now, state)
        return state

    def create(self, name: str) -> Loop:
        """Create a loop named `name` (letters, digits, `_.-`); Conflict if it exists."""
        if not _NAME.match(name):
            raise InvalidInput("name", f"must match {_NAME.pattern}, got {name!r}")
        return self._create(name, must_be_new=True)

    def names(self) -> list[str]:
        """Every loop's name (the default loop once it was used)."""
        with self._database.session(readonly=True) as session:
            return [loop.name for loop in store.list_loops(session)]

    def bind_key(self, key_id: str, loop: str) -> None:
        """Make a key a key of `loop` (which must exist)."""
        self.state(loop)
        with self._database.session() as session:
            store.bind_key(session, key_id, loop)
        with self._lock:
            self._keys.pop(key_id, None)

    def set_service(self, name: str, service: ServiceConfiguration) -> LoopState:
        """Store a loop's service configuration."""
        return self._update(name, service=service.to_json())

    def set_learning(self, name: str, learning: LearningSettings) -> LoopState:
        """Store a loop's learning settings."""
        return self._update(name, policy=learning.to_json())

    def _update(self, name: str, **values: Mapping[str, object]) -> LoopState:
        self.state(name)
        with self._database.session() as session:
            state = _state(store.update_loop(session, name, self._clock(), **values))
        with self._lock:
            self._states[name] = (time.monotonic(), state)
        return state

    def _create(self, name: str, *, must_be_new: bool) -> Loop:
        try:
            with self._database.session() as session:
                if store.get_loop(session, name) is None:
                    return store.add_loop(session, name, self._clock())
        except IntegrityError:  # another process made it a moment ago
            pass
        if must_be_new:
            raise Conflict(f"loop {name!r} already exists", loop=name)
        with self._database.session(readonly=True) as session:
            found = store.get_loop(session, name)
        if found is None:
            raise NotFound("loop", name)
        return found


def _state(loop: Loop) -> LoopState:
    return LoopState(
        loop.name,
        ServiceConfiguration.from_stored(loop.service),
        LearningSettings.from_stored(loop.policy),
        loop.created_at,
    )
