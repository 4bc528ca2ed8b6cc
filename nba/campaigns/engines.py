"""Where a campaign's batches run: in this process (the default), or on Dask (`dask_engine`).

An engine yields per batch the planning pass's `Survey` and the assigning pass's `Recorded`
(decision and output rows), batch by batch in file order; the runner does the rest (solving
the prices, logging, the output file). The contact history of each batch's customers is
read through `read` (one bulk read per batch, in the runner's process) and goes with the
batch to where it runs. The local engine runs the batches in this process, or with `workers`
> 1 in that many worker processes (`workers.WorkerPool`) while this one reads the file, the
histories and logs: the same batches, the same functions, so the same assignments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence, Set
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from nba.campaigns.batches import Assigned, Survey, assign_batch, in_sample, survey
from nba.campaigns.contacts import BatchScreen, CampaignContacts, ContactHistory
from nba.campaigns.model import ModelSource
from nba.campaigns.reading import count_rows, customer_ids_of, read_batches
from nba.campaigns.records import Recorded, recorded
from nba.campaigns.scoring import CampaignScorer
from nba.campaigns.spec import CampaignSpec
from nba.campaigns.workers import Batch, WorkerPool
from nba.config import RewardMode
from nba.domain import Offer

Progress = Callable[[int], None]
"""Told how many more input rows are done."""


class HistoryReader(Protocol):
    """The contact history of some customers, by their ids (`contacts.ContactReader`)."""

    @property
    def reads(self) -> bool:
        """Whether there is any history to read (else every call gives an empty one)."""
        ...

    def __call__(self, customer_ids: Sequence[str]) -> ContactHistory: ...


class Engine(Protocol):
    """Runs a campaign's two passes over its input, batch by batch (`name` in its plan)."""

    name: str

    def surveys(
        self, job: ScoringJob, sample_rate: float, read: HistoryReader
    ) -> Iterator[Survey]: ...

    def assigned(
        self,
        job: ScoringJob,
        prices: npt.NDArray[np.float64],
        skip_rows: Sequence[int],
        done: Set[int],
        read: HistoryReader,
    ) -> Iterator[tuple[int, int, Recorded | None]]: ...


class ScoringJob:
    """What every batch needs: the spec, the model, the offers, the time of the campaign
    (its send time) and the contact policy it runs under."""

    def __init__(
        self,
        spec: CampaignSpec,
        source: ModelSource,
        offers: Sequence[Offer],
        *,
        reward_mode: RewardMode,
        reward_scale: float,
        now: datetime,
        contacts: CampaignContacts,
    ) -> None:
        self.spec = spec
        self.source = source
        self.offers = tuple(offers)
        self.reward_mode = reward_mode
        self.reward_scale = reward_scale
        self.now = now
        self.contacts = contacts

    def screen(self, history: ContactHistory) -> BatchScreen:
        """The contact policy with the history of one batch's customers."""
        return BatchScreen(self.contacts, history)

    def sampled_ids(self, customer_ids: Sequence[str], sample_rate: float) -> list[str]:
        """Those of `customer_ids` the planning pass scores (whose history it needs)."""
        mask = in_sample(customer_ids, self.spec, sample_rate).tolist()
        return [c for c, wanted in zip(customer_ids, mask, strict=True) if wanted]

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

    def surveys(self, job: ScoringJob, sample_rate: float, read: HistoryReader) -> Iterator[Survey]:
        def screened() -> Iterator[Batch]:
            for index, (first, raw) in enumerate(read_batches(job.spec.input, job.spec.batch_size)):
                ids = job.sampled_ids(customer_ids_of(raw), sample_rate) if read.reads else []
                yield Batch(index, first, raw, job.screen(read(ids)))

        if self._workers_for(job) > 1:
            with WorkerPool(job, self._workers_for(job)) as pool:
                yield from pool.surveys(screened(), sample_rate)
            return
        scorer = job.scorer()
        for batch in screened():
            yield survey(batch.raw, batch.first_row, scorer, job.spec, sample_rate, batch.screen)

    def assigned(
        self,
        job: ScoringJob,
        prices: npt.NDArray[np.float64],
        skip_rows: Sequence[int],
        done: Set[int],
        read: HistoryReader,
    ) -> Iterator[tuple[int, int, Recorded | None]]:
        """(batch index, rows in the batch, its assignments or None when `done` holds it)."""

        nobody = job.screen(read([]))  # the screen of a batch done before: never used

        def screened() -> Iterator[Batch]:
            for index, (first, raw) in enumerate(read_batches(job.spec.input, job.spec.batch_size)):
                if index in done:
                    yield Batch(index, first, raw, nobody, is_done=True)
                    continue
                screen = job.screen(read(customer_ids_of(raw) if read.reads else []))
                yield Batch(index, first, raw, screen)

        if self._workers_for(job) > 1:
            with WorkerPool(job, self._workers_for(job)) as pool:
                yield from pool.recorded(screened(), prices, skip_rows)
            return
        scorer = job.scorer()
        for batch in screened():
            if batch.is_done:
                yield batch.index, batch.raw.num_rows, None
                continue
            assigned = assign_batch(batch.raw, batch.first_row, scorer, job.spec, prices,
                                    skip_rows, screen=batch.screen)  # fmt: skip
            yield batch.index, batch.raw.num_rows, job.recorded(assigned)

    def _workers_for(self, job: ScoringJob) -> int:
        if self.workers == 1:
            return 1
        return max(1, min(self.workers, -(-count_rows(job.spec.input) // job.spec.batch_size)))
