"""Batches run in worker processes: how the local engine uses more than one core.

The parent reads the file's batches and sends each one to a pool of worker processes, which
check, score and assign it with the functions the in-process path runs
(`batches.survey`, `batches.assign_batch`, `ScoringJob.recorded`); the results come back in
file order, at most `window` batches in flight, so memory stays bounded by the batch size
whatever the file's length. Each worker rebuilds the job's scorer once, when it starts. VW
and the per-row Python hold the GIL, hence processes. They are forked from multiprocessing's
fork server, a process of its own that imported this module once (importing nba takes ~2.5 s
of CPU): a fork of the parent could copy its other threads mid-work (a web server's), and a
fresh interpreter per worker and pass would pay that import each time.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from nba.campaigns.batches import Survey, assign_batch, survey
from nba.campaigns.contacts import BatchScreen
from nba.campaigns.records import Recorded
from nba.campaigns.scoring import CampaignScorer

if TYPE_CHECKING:
    from nba.campaigns.engines import ScoringJob

Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class _Worker:
    """What a worker process keeps between batches: the job and its scorer."""

    job: ScoringJob
    scorer: CampaignScorer


_worker: list[_Worker] = []
"""This worker process's job and scorer, set once by `_start` (empty in the parent)."""


def _start(job: ScoringJob, parent: int) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    _worker.append(_Worker(job, job.scorer()))


def _exit_with(parent: int) -> None:
    """End this worker as soon as the process that runs the campaign is gone (killed, say).

    Nothing else would: a worker waits for its next batch on a queue whose both ends it
    holds, and the fork server stays up as long as a worker does.
    """
    try:
        handle = os.pidfd_open(parent)
    except (AttributeError, OSError):  # no pidfd (not Linux 5.3+): ask every half second
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
    select.select([handle], [], [])  # readable once the process has ended
    os._exit(1)


def _surveyed(
    raw: pa.RecordBatch, first_row: int, screen: BatchScreen, sample_rate: float
) -> Survey:
    worker = _worker[0]
    return survey(raw, first_row, worker.scorer, worker.job.spec, sample_rate, screen)


def _recorded(
    raw: pa.RecordBatch,
    first_row: int,
    screen: BatchScreen,
    prices: npt.NDArray[np.float64],
    skip_rows: Sequence[int],
) -> Recorded:
    worker = _worker[0]
    spec = worker.job.spec
    assigned = assign_batch(raw, first_row, worker.scorer, spec, prices, skip_rows, screen=screen)
    return worker.job.recorded(assigned)


@dataclass(frozen=True, slots=True)
class Batch:
    """One batch of the file, by its index, with the contact policy and its customers'
    history (`screen`); `is_done`: done before, not to run again."""

    index: int
    first_row: int
    raw: pa.RecordBatch
    screen: BatchScreen
    is_done: bool = False


class WorkerPool:
    """`workers` processes running one job's batches; a context manager (ends them after)."""

    def __init__(self, job: ScoringJob, workers: int, window: int = 0) -> None:
        self._executor = ProcessPoolExecutor(
            workers, mp_context=_context(), initializer=_start, initargs=(job, os.getpid())
        )
        self._window = window or 2 * workers

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def surveys(self, batches: Iterable[Batch], sample_rate: float) -> Iterator[Survey]:
        """The planning pass's survey of each batch, in file order."""
        for _, _, result in self._in_order(batches, _surveyed, (sample_rate,)):
            assert result is not None
            yield result

    def recorded(
        self,
        batches: Iterable[Batch],
        prices: npt.NDArray[np.float64],
        skip_rows: Sequence[int],
    ) -> Iterator[tuple[int, int, Recorded | None]]:
        """(index, rows, decision and output rows or None for a batch done before), in order."""
        yield from self._in_order(batches, _recorded, (prices, list(skip_rows)))

    def _in_order(
        self,
        batches: Iterable[Batch],
        function: Callable[..., Result],
        args: tuple[object, ...],
    ) -> Iterator[tuple[int, int, Result | None]]:
        pending: deque[tuple[int, int, Future[Result] | None]] = deque()
        try:
            for batch in batches:
                future = None
                if not batch.is_done:
                    future = self._executor.submit(
                        function, batch.raw, batch.first_row, batch.screen, *args
                    )
                pending.append((batch.index, batch.raw.num_rows, future))
                while len(pending) > self._window:
                    index, rows, future = pending.popleft()
                    yield index, rows, None if future is None else future.result()
            while pending:
                index, rows, future = pending.popleft()
                yield index, rows, None if future is None else future.result()
        finally:
            for _, _, future in pending:
                if future is not None:
                    future.cancel()


def _context() -> multiprocessing.context.BaseContext:
    """The fork server's context, which imports this module before it forks (spawn where
    there is no fork server)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context
