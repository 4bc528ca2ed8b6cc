"""The campaign's two passes on a Dask cluster: customers as a Dask dataframe over Parquet.

Each partition of `dask.dataframe.read_parquet(IN)` is one batch: checked, scored and
assigned on a worker by the same functions the local engine runs (`nba.campaigns.batches`),
with the model shipped to every worker once (`Client.scatter(..., broadcast=True)`). The
planning pass brings each partition's sample and counts back, and the prices are solved on
them here; every draw is a keyed hash of the customer id, so the assignments are those of
the local engine. At most `window` partitions are in flight, so memory stays bounded by the
partition size. The workers never open the database: the client reads each partition's
customer ids (that column of the file only), their contact history in one bulk read, and
sends it with the partition's task. Needs the `dask` extra (`pip install nba[dask]`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence, Set
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from nba.campaigns.batches import Survey, assign_batch, survey
from nba.campaigns.contacts import ContactHistory
from nba.campaigns.engines import HistoryReader, ScoringJob
from nba.campaigns.reading import customer_ids_of
from nba.campaigns.records import Recorded
from nba.errors import InvalidInput


class DaskEngine:
    """Runs partitions on a Dask cluster through `client`."""

    name = "dask"

    def __init__(self, client: Any, *, owns_cluster: bool = False, window: int = 0) -> None:
        self._client = client
        self._owns_cluster = owns_cluster
        workers = len(client.scheduler_info().get("workers", {})) or 1
        self._window = window or 2 * workers

    @classmethod
    def connect(cls, scheduler: str, *, workers: int = 2) -> DaskEngine:
        """An engine on the scheduler at `tcp://HOST:PORT`, or on a new LocalCluster (`local`);
        see `nba.cluster.DaskClient.connect`."""
        from nba.cluster import DaskClient

        connected = DaskClient.connect(scheduler, workers=workers)
        return cls(connected.client, owns_cluster=connected.owns_cluster)

    def close(self) -> None:
        """Close the client (and the LocalCluster it started)."""
        cluster = self._client.cluster if self._owns_cluster else None
        self._client.close()
        if cluster is not None:
            cluster.close()

    def surveys(self, job: ScoringJob, sample_rate: float, read: HistoryReader) -> Iterator[Survey]:
        # hash=False: a key of its own per pass. With the content's hash both passes would
        # share one key, and the first pass releasing it could lose the second's copy.
        shipped = self._client.scatter(job, broadcast=True, hash=False)
        for _, _, result in self._ordered(
            job, shipped, _survey_partition, (sample_rate,), read, sample_rate=sample_rate
        ):
            yield result

    def assigned(
        self,
        job: ScoringJob,
        prices: npt.NDArray[np.float64],
        skip_rows: Sequence[int],
        done: Set[int],
        read: HistoryReader,
    ) -> Iterator[tuple[int, int, Recorded | None]]:
        shipped = self._client.scatter(job, broadcast=True, hash=False)
        skip = list(skip_rows)
        yield from self._ordered(job, shipped, _assign_partition, (prices, skip), read, done)

    def _ordered(
        self,
        job: ScoringJob,
        shipped: Any,
        function: Any,
        args: tuple[object, ...],
        read: HistoryReader,
        done: Set[int] = frozenset(),
        sample_rate: float | None = None,
    ) -> Iterator[tuple[int, int, Any]]:
        """(partition index, rows, result) in partition order, `window` partitions at once;
        `function` gets the partition, its first row, the job, `args`, then the history of
        its customers (of those in the sample, with `sample_rate`)."""
        import dask.dataframe as dd

        if not str(job.spec.input).lower().endswith((".parquet", ".pq")):
            raise InvalidInput("input", "the dask engine reads Parquet files only")
        frame = dd.read_parquet(job.spec.input, dtype_backend="pyarrow")
        sizes = [int(n) for n in frame.map_partitions(len).compute()]
        firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist()
        partitions = frame.to_delayed()
        ids = _partition_ids(job.spec.input, sizes) if read.reads else None
        pending: deque[tuple[int, Any]] = deque()
        for index, (part, first) in enumerate(zip(partitions, firsts, strict=True)):
            customer_ids = [] if ids is None else next(ids)
            if index in done:
                pending.append((index, None))
            else:
                future = self._client.compute(part)
                if sample_rate is not None:
                    customer_ids = job.sampled_ids(customer_ids, sample_rate)
                known = read(customer_ids)
                submitted = self._client.submit(
                    function, future, first, shipped, *args, known, pure=False
                )
                pending.append((index, submitted))
            while len(pending) > self._window:
                yield self._finished(pending.popleft(), sizes)
        while pending:
            yield self._finished(pending.popleft(), sizes)

    @staticmethod
    def _finished(item: tuple[int, Any], sizes: Sequence[int]) -> tuple[int, int, Any]:
        index, future = item
        return index, sizes[index], None if future is None else future.result()


def _partition_ids(path: str, sizes: Sequence[int]) -> Iterator[list[str]]:
    """The customer ids of each partition in turn, read here from the file's id column (the
    partitions are the file's rows in order)."""
    import pyarrow.parquet as pq

    column = pq.ParquetFile(path).iter_batches(batch_size=65_536, columns=["customer_id"])
    buffered: list[str] = []
    for size in sizes:
        while len(buffered) < size:
            batch = next(column, None)
            if batch is None:
                break
            buffered.extend(customer_ids_of(batch))
        yield buffered[:size]
        buffered = buffered[size:]


def _batch(frame: pd.DataFrame) -> pa.RecordBatch:
    return pa.RecordBatch.from_pandas(frame, preserve_index=False)


def _survey_partition(
    frame: pd.DataFrame,
    first_row: int,
    job: ScoringJob,
    sample_rate: float,
    history: ContactHistory,
) -> Survey:
    """The planning pass over one partition (on a worker)."""
    return survey(
        _batch(frame), first_row, job.scorer(), job.spec, sample_rate, job.screen(history)
    )


def _assign_partition(
    frame: pd.DataFrame,
    first_row: int,
    job: ScoringJob,
    prices: npt.NDArray[np.float64],
    skip_rows: Sequence[int],
    history: ContactHistory,
) -> Recorded:
    """The assigning pass over one partition (on a worker), down to its decision and output
    rows: the client only stamps and writes them."""
    batch, screen = _batch(frame), job.screen(history)
    return job.recorded(
        assign_batch(batch, first_row, job.scorer(), job.spec, prices, skip_rows, screen=screen)
    )
