"""Where a campaign's batches run: in this process (the default), or on Dask (`dask_engine`).

An engine yields per batch the planning pass's `Survey` and the assigning pass's `Recorded`
(decision and output rows), batch by batch in file order; the runner does the rest (solving
the prices, logging, the output file). The local engine runs the batches in this process, or
with `workers` > 1 in that many worker processes (`workers.WorkerPool`) while this one reads
the file and logs: the same batches, the same functions, so the same assignments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence, Set
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from nba.campaigns.batches import Assigned, Survey, assign_batch, survey
from nba.campaigns.model import ModelSource
from nba.campaigns.reading import count_rows, read_batches
from nba.campaigns.records import Recorded, recorded
from nba.campaigns.scoring import CampaignScorer
from nba.campaigns.spec import CampaignSpec
from nba.campaigns.workers import Batch, WorkerPool
from nba.config import RewardMode
from nba.domain import Offer

Progress = Callable[[int], None]
"""Told how many more input rows are done."""


class Engine(Protocol):
    """Runs a campaign's two passes over its input, batch by batch (`name` in its plan)."""

    name: str

    def surveys(self, job: ScoringJob, sample_rate: float) -> Iterator[Survey]: ...

    def assigned(
        self,
        job: ScoringJob,
        prices: npt.NDArray[np.float64],
        skip_rows: Sequence[int],
        done: Set[int],
    ) -> Iterator[tuple[int, int, Recorded | None]]: ...


class ScoringJob:
    """What every batch needs: the spec, the model, the offers, the time of the campaign."""

    def __init__(
        self,
        spec: CampaignSpec,
        source: ModelSource,
        offers: Sequence[Offer],
        *,
        reward_mode: RewardMode,
        reward_scale: float,
        now: datetime,
    ) -> None:
        self.spec = spec
        self.source = source
        self.offers = tuple(offers)
        self.reward_mode = reward_mode
        self.reward_scale = reward_scale
        self.now = now

    def recorded(self, assigned: Assigned) -> Recorded:
        """A batch's assignments as decision and output rows."""
        return recorded(
            assigned,
            self.offers,
            channel=self.spec.channel,
            policy=self.source.policy,
            model_version=self.source.version,
        )

    def scorer(self) -> CampaignScorer:
        """A scorer with its own policy object, rebuilt from the model's bytes."""
        return CampaignScorer(
            self.source.build(),
            self.offers,
            reward_mode=self.reward_mode,
            reward_scale=self.reward_scale,
            channel=self.spec.channel,
            now=self.now,
        )


class LocalEngine:
    """Both passes on this machine, a bounded number of batches in memory at a time.

    `workers` 1 runs the batches in this process; more runs them in that many worker
    processes (one per core is what pays: this process reads and logs meanwhile). A file of
    one batch runs in this process whatever `workers` says.
    """

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers

    def surveys(self, job: ScoringJob, sample_rate: float) -> Iterator[Survey]:
        batches = read_batches(job.spec.input, job.spec.batch_size)
        workers = self._workers_for(job)
        if workers > 1:
            with WorkerPool(job, workers) as pool:
                yield from pool.surveys(batches, sample_rate)
            return
        scorer = job.scorer()
        for first, raw in batches:
            yield survey(raw, first, scorer, job.spec, sample_rate)

    def assigned(
        self,
        job: ScoringJob,
        prices: npt.NDArray[np.float64],
        skip_rows: Sequence[int],
        done: Set[int],
    ) -> Iterator[tuple[int, int, Recorded | None]]:
        """(batch index, rows in the batch, its assignments or None when `done` holds it)."""
        batches = (
            Batch(index, first, raw, index in done)
            for index, (first, raw) in enumerate(read_batches(job.spec.input, job.spec.batch_size))
        )
        workers = self._workers_for(job)
        if workers > 1:
            with WorkerPool(job, workers) as pool:
                yield from pool.recorded(batches, prices, skip_rows)
            return
        scorer = job.scorer()
        for batch in batches:
            if batch.is_done:
                yield batch.index, batch.raw.num_rows, None
                continue
            assigned = assign_batch(batch.raw, batch.first_row, scorer, job.spec, prices, skip_rows)
            yield batch.index, batch.raw.num_rows, job.recorded(assigned)

    def _workers_for(self, job: ScoringJob) -> int:
        if self.workers == 1:
            return 1
        return max(1, min(self.workers, -(-count_rows(job.spec.input) // job.spec.batch_size)))
