"""A Dask client for the batch engines (campaigns, evaluation): of a running scheduler, or of a
new LocalCluster. Needs the `dask` extra (`pip install 'nba[dask]'`), imported only here."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

from nba.errors import InvalidInput

LOCAL = "local"
"""The scheduler address that starts a LocalCluster on this machine for the run."""


class DaskClient:
    """A connected `dask.distributed.Client` (`client`), closed with the cluster it started."""

    def __init__(self, client: Any, *, owns_cluster: bool = False) -> None:
        self.client = client
        self.owns_cluster = owns_cluster

    @classmethod
    def connect(cls, scheduler: str, *, workers: int = 2, timeout_s: float = 10.0) -> DaskClient:
        """A client of the scheduler at `tcp://HOST:PORT`, or of a new LocalCluster (`local`)
        of `workers` single-threaded worker processes (VW holds the GIL: processes, not
        threads). InvalidInput names `scheduler` when no scheduler answers there."""
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as error:
            raise InvalidInput(
                "engine", "the dask engine needs the dask extra: pip install 'nba[dask]'"
            ) from error
        if scheduler == LOCAL:
            # ":0": the dashboard on a free port (None would still take 8787, and warn when
            # another cluster holds it).
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0")
            return cls(Client(cluster), owns_cluster=True)
        if "://" not in scheduler:
            raise InvalidInput(
                "scheduler", f"expected tcp://HOST:PORT or {LOCAL!r}, got {scheduler!r}"
            )
        try:
            _probe(scheduler, timeout_s)
            return cls(Client(scheduler, timeout=f"{timeout_s}s"))
        except (OSError, ValueError, TypeError) as error:
            raise InvalidInput(
                "scheduler", f"no Dask scheduler answers at {scheduler}: {error}"
            ) from error

    def workers(self) -> int:
        """Workers the scheduler knows now (at least 1)."""
        return len(self.client.scheduler_info().get("workers", {})) or 1

    def close(self) -> None:
        """Close the client (and the LocalCluster it started)."""
        cluster = self.client.cluster if self.owns_cluster else None
        self.client.close()
        if cluster is not None:
            cluster.close()

    def __enter__(self) -> DaskClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _probe(scheduler: str, timeout_s: float) -> None:
    """Fail at once (OSError) when nothing listens at a tcp:// address: Dask's client would
    retry until its timeout."""
    parts = urlsplit(scheduler)
    if parts.scheme != "tcp" or parts.hostname is None:
        return
    with socket.create_connection((parts.hostname, parts.port or 8786), timeout=timeout_s):
        pass
