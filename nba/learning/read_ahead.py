"""Overlap reading with work: items produced by a background thread, a few ahead."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _End:
    """The producer is done: `error` is what it raised, or None when the items ran out."""

    error: BaseException | None = None


def read_ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield `items`, which a background thread produces up to `depth` ahead.

    Meant for database reads beside CPU-bound work: the thread waits for the database without
    the GIL. `items` is advanced and closed in that thread only, so a session it holds stays
    in one thread. Its exceptions are raised here; when the caller stops early, it is closed.
    """
    slots: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(entry: T | _End) -> bool:
        while not stop.is_set():
            try:
                slots.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_End())
        except BaseException as error:  # handed to the caller, raised there
            offer(_End(error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            entry = slots.get()
            if isinstance(entry, _End):
                if entry.error is not None:
                    raise entry.error
                return
            yield entry
    finally:
        stop.set()
        thread.join()
