"""read_ahead: items from a background thread, in order, a bounded number ahead."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from nba.learning.read_ahead import read_ahead


class Source:
    """Numbers 0..n-1, noting which thread produced and closed them."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at
        self.produced: list[int] = []
        self.threads: set[str] = set()
        self.closed_in: str | None = None

    def __iter__(self) -> Iterator[int]:
        try:
            for i in range(self.n):
                if i == self.fail_at:
                    raise ValueError(f"item {i} is bad")
                self.threads.add(threading.current_thread().name)
                self.produced.append(i)
                yield i
        finally:
            self.closed_in = threading.current_thread().name


def test_every_item_arrives_in_order_from_another_thread():
    source = Source(50)
    assert list(read_ahead(iter(source), depth=2)) == list(range(50))
    assert source.threads == {"read-ahead"}
    assert source.closed_in == "read-ahead"


def test_the_producer_stays_at_most_depth_items_ahead():
    source = Source(50)
    items = read_ahead(iter(source), depth=2)
    assert next(items) == 0
    time.sleep(0.2)  # plenty of time to run ahead if it could
    # 1 and 2 wait in the queue, 3 waits to be put: nothing further is read.
    assert source.produced == [0, 1, 2, 3]
    items.close()


def test_an_error_in_the_source_is_raised_to_the_caller_after_the_items_before_it():
    source = Source(10, fail_at=3)
    got = []
    with pytest.raises(ValueError, match="item 3 is bad"):
        for item in read_ahead(iter(source)):
            got.append(item)
    assert got == [0, 1, 2]


def test_stopping_early_closes_the_source_in_its_thread():
    source = Source(1000)
    for item in read_ahead(iter(source), depth=2):
        if item == 5:
            break
    assert source.closed_in == "read-ahead"
    assert len(source.produced) <= 9


def test_an_error_in_the_caller_stops_the_producer():
    source = Source(1000)
    with pytest.raises(RuntimeError):
        for item in read_ahead(iter(source)):
            if item == 2:
                raise RuntimeError("learning failed")
    assert source.closed_in == "read-ahead"
    assert "read-ahead" not in {thread.name for thread in threading.enumerate()}
