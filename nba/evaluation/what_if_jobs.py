"""What-if runs as background jobs: stored, run one at a time, read back by the console and the API.

The runs themselves are the simulator's (`simulator.what_if`), which nba's core does not
import: an entry point that has it (`nba serve`, tests) passes a `WhatIfEngine` in. Without
one, `WhatIfJobs.available` is False and a submit is refused (Unsupported).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from nba.charts import Chart
from nba.clock import utc_now
from nba.domain import WhatIfRun
from nba.errors import NbaError, NotFound, Unsupported
from nba.storage import Database, jobs

log = logging.getLogger(__name__)

LIMITS = {"steps": (100, 50_000), "seeds": (2, 10), "population": (1_000, 50_000)}
"""The range of each size a run may ask for (the console's and the API's)."""
MAX_DECISIONS = 200_000
"""Decisions per run times seeds: two catalogues each, about 15 s of one core at most."""
DEFAULTS: dict[str, int | str] = {
    "steps": 10_000,
    "seeds": 5,
    "population": 20_000,
    "reward": "retention_value",
}
"""The size and reward of a run that does not say."""


@dataclass(frozen=True, slots=True)
class WhatIfFigure:
    """One metric's total per run under each catalogue, the paired change and its interval,
    and a sentence saying what they mean (`note`)."""

    metric: str
    label: str
    current: float
    proposed: float
    change: float
    ci_low: float
    ci_high: float
    excludes_zero: bool
    note: str


@dataclass(frozen=True, slots=True)
class OfferFigures:
    """One offer's mean shows, accepts and spend per run under a catalogue."""

    shows: float
    accepts: float
    spend: float


@dataclass(frozen=True, slots=True)
class WhatIfView:
    """A finished run as a page or a reply shows it: how it was made, the table, the charts.

    Each row is (metric, current, proposed, change, interval) as text, and whether the
    interval excludes zero; `level` is the intervals' confidence ("95%"). `figures` are the
    rows' numbers with a note each; `offers` each offer's use under the current and the
    proposed catalogue (None: not in that catalogue).
    """

    explanation: str
    level: str
    rows: tuple[tuple[str, str, str, str, str, bool], ...]
    charts: tuple[Chart, ...]
    figures: tuple[WhatIfFigure, ...] = ()
    offers: tuple[tuple[str, OfferFigures | None, OfferFigures | None], ...] = ()


class WhatIfEngine(Protocol):
    """What the jobs need of the simulator: check a spec, run it, show its result."""

    def check(self, spec: Mapping[str, object]) -> None:
        """Raise InvalidInput naming the field if `spec` cannot run."""

    def run(self, spec: Mapping[str, object]) -> dict[str, object]:
        """Run `spec`; its result as a JSON-ready document."""

    def report(self, results: Mapping[str, object]) -> WhatIfView:
        """A stored result as the console and the API show it."""


class WhatIfJobs:
    """Stores what-if runs and runs them one at a time on a background thread."""

    def __init__(
        self,
        database: Database,
        engine: WhatIfEngine | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._engine = engine
        self._clock = clock
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Whether this process can run what-if jobs (an engine was given)."""
        return self._engine is not None

    def submit(self, spec: Mapping[str, object]) -> WhatIfRun:
        """Check `spec` (InvalidInput naming the field), store it, run it in the background."""
        engine = self._need_engine()
        engine.check(spec)
        with self._database.session() as session:
            run = jobs.add_job(session, jobs.WHAT_IFS, uuid.uuid4().hex, spec)
        self._started().submit(self.run, run.id)
        return run

    def get(self, run_id: str) -> WhatIfRun:
        """A run with its status and, when done, its results."""
        with self._database.session(readonly=True) as session:
            run = jobs.get_job(session, jobs.WHAT_IFS, run_id)
        if run is None:
            raise NotFound("what-if run", run_id)
        return run

    def recent(self, limit: int = 20) -> list[WhatIfRun]:
        """The newest runs first, at most `limit`."""
        with self._database.session(readonly=True) as session:
            return jobs.list_jobs(session, jobs.WHAT_IFS, limit)

    def report(self, run: WhatIfRun) -> WhatIfView | None:
        """A finished run's result as a page shows it, None before it is done."""
        if not run.results or self._engine is None:
            return None
        return self._engine.report(dict(run.results))

    def run(self, run_id: str) -> WhatIfRun:
        """Run one job now (the background thread calls this); failures are stored, not raised."""
        engine = self._need_engine()
        with self._database.session() as session:
            run = jobs.set_job_status(session, jobs.WHAT_IFS, run_id, "running")
        try:
            results = engine.run(dict(run.spec))
        except Exception as error:
            if not isinstance(error, NbaError):
                log.exception("what-if run %s failed", run_id)
            with self._database.session() as session:
                return jobs.set_job_status(
                    session,
                    jobs.WHAT_IFS,
                    run_id,
                    "failed",
                    error=str(error),
                    finished_at=self._clock(),
                )
        with self._database.session() as session:
            done = jobs.set_job_status(
                session, jobs.WHAT_IFS, run_id, "done", results=results, finished_at=self._clock()
            )
        log.info("what-if run %s done", run_id)
        return done

    def close(self) -> None:
        """Stop the background thread (queued runs and a running one finish first)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _need_engine(self) -> WhatIfEngine:
        if self._engine is None:
            raise Unsupported("this process cannot run the simulator: start it with `nba serve`")
        return self._engine

    def _started(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="what-if")
            return self._executor
