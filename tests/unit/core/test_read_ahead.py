"""read_ahead: items from a background thread, in order, a bounded number ahead."""

from __future__ import annotations

import threading
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


class PacedSource(Source):
    """A Source that notes how many items the caller had asked for when each one was read."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.asked = 0
        self.ahead: list[int] = []  # per item read: its index minus the items asked for
        self.progress = threading.Condition()

    def __iter__(self) -> Iterator[int]:
        for i in super().__iter__():
            with self.progress:
                self.ahead.append(i - self.asked)
                self.progress.notify_all()
            yield i

    def wait_for_reads(self, n: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: len(self.produced) >= n, timeout=30), (
                f"the producer read {len(self.produced)} items, not {n}"
            )


def test_the_producer_stays_at_most_depth_items_ahead():
    depth, n = 2, 50
    source = PacedSource(n)
    items = read_ahead(iter(source), depth=depth)
    for asked in range(1, n + 1):
        source.asked = asked  # before asking: an item read after this may count it
        assert next(items) == asked - 1
        # it reads ahead as far as it may: `depth` items queued and one waiting to be put
        source.wait_for_reads(min(asked + depth + 1, n))
    assert list(items) == []
    assert max(source.ahead) == depth and len(source.ahead) == n


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
