"""Off-policy evaluation jobs over the stored decision log, run in the background.

A job names its candidates by spec (`random`, `rules`, `policy:NAME[,key=value...]` for
progressive validation, `version:N` for a saved model version), its estimators and a time
window of the log. Candidates that read server files (`table:`, `model:`) are for the CLI only.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from nba.clock import parse_time, utc_now
from nba.domain import Evaluation
from nba.errors import InvalidInput, NotFound
from nba.ope.candidates import CandidatePolicy, LearnerCandidate, parse_candidate
from nba.ope.logs import from_frame
from nba.ope.run import EvaluationResult, run_evaluation
from nba.storage import Database, decisions, jobs, models, offers

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _JobSpec:
    """A stored job spec (`nba.schemas.evaluation_spec`) read back with its types."""

    policies: tuple[str, ...]
    estimators: tuple[str, ...]
    alpha: float
    n_bootstrap: int
    seed: int | None
    channel: str | None
    start: datetime | None
    end: datetime | None

    @classmethod
    def of(cls, spec: Mapping[str, object]) -> _JobSpec:
        """Narrow the stored JSON; a value of the wrong type is an InvalidInput naming it."""
        return cls(
            policies=_strings(spec, "policies"),
            estimators=_strings(spec, "estimators"),
            alpha=_real(spec, "alpha"),
            n_bootstrap=_integer(spec, "n_bootstrap"),
            seed=_integer(spec, "seed") if spec.get("seed") is not None else None,
            channel=_text(spec, "channel"),
            start=parse_time(spec["from"], "from") if spec.get("from") else None,
            end=parse_time(spec["to"], "to") if spec.get("to") else None,
        )


REPORTS_KEPT = 16
"""Rendered reports kept per process: a finished job's report never changes, its charts take
a while to draw."""


class EvaluationJobs:
    """Stores evaluation jobs and runs them one at a time on a background thread.

    A queue of one-off jobs, not a schedule: a one-worker executor (APScheduler's one-shot jobs
    raced its own shutdown, raising JobLookupError in its thread when a job had just finished).
    """

    def __init__(self, database: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._database = database
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()
        self._reports: dict[tuple[str, bool], str] = {}
        self._reports_lock = threading.Lock()

    def submit(self, spec: Mapping[str, object]) -> Evaluation:
        """Store a job, then run it in the background.

        `spec` is already validated: `nba.schemas.evaluation_spec` of an EvaluationBody.
        """
        with self._database.session() as session:
            job = jobs.add_job(session, jobs.EVALUATIONS, uuid.uuid4().hex, spec)
        self._started().submit(self.run, job.id)
        return job

    def get(self, evaluation_id: str) -> Evaluation:
        """A job with its status and, when done, its results."""
        with self._database.session(readonly=True) as session:
            job = jobs.get_job(session, jobs.EVALUATIONS, evaluation_id)
        if job is None:
            raise NotFound("evaluation", evaluation_id)
        return job

    def report(self, evaluation_id: str, *, whole_page: bool = False) -> str | None:
        """The HTML report of a finished job (`nba.ope.report`): a fragment to place in a page,
        or with `whole_page` a page of its own; None while the job has no results."""
        key = (evaluation_id, whole_page)
        with self._reports_lock:
            if key in self._reports:
                return self._reports[key]
        job = self.get(evaluation_id)
        if not job.results:
            return None
        from nba.ope.report import report_fragment, report_page  # jinja2, matplotlib: on use

        result = EvaluationResult.from_dict(dict(job.results))
        html = report_page(result) if whole_page else str(report_fragment(result))
        with self._reports_lock:
            if len(self._reports) >= REPORTS_KEPT:
                self._reports.pop(next(iter(self._reports)))
            self._reports[key] = html
        return html

    def recent(self, limit: int = 20) -> list[Evaluation]:
        """The newest jobs first, at most `limit`."""
        with self._database.session(readonly=True) as session:
            return jobs.list_jobs(session, jobs.EVALUATIONS, limit)

    def run(self, evaluation_id: str) -> Evaluation:
        """Run one job now (the background thread calls this); failures are stored, not raised."""
        with self._database.session() as session:
            job = jobs.set_job_status(session, jobs.EVALUATIONS, evaluation_id, "running")
        try:
            results = self._evaluate(_JobSpec.of(dict(job.spec)))
        except Exception as error:
            if not isinstance(error, InvalidInput | NotFound):
                log.exception("evaluation %s failed", evaluation_id)
            with self._database.session() as session:
                return jobs.set_job_status(
                    session,
                    jobs.EVALUATIONS,
                    evaluation_id,
                    "failed",
                    error=str(error),
                    finished_at=self._clock(),
                )
        with self._database.session() as session:
            done = jobs.set_job_status(
                session,
                jobs.EVALUATIONS,
                evaluation_id,
                "done",
                results=results,
                finished_at=self._clock(),
            )
        log.info("evaluation %s done", evaluation_id)
        return done

    def close(self) -> None:
        """Stop the background thread (queued jobs and a running one finish first)."""
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _started(self) -> ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="evaluation")
            return self._executor

    def _evaluate(self, spec: _JobSpec) -> dict[str, object]:
        with self._database.session(readonly=True) as session:
            frame = decisions.log_frame(
                session, start=spec.start, end=spec.end, channel=spec.channel
            )
        categories = catalog_categories(self._database)
        if frame["reward"].notna().sum() == 0:
            raise InvalidInput("from", "no decision with an outcome in this window")
        data = from_frame(frame)
        candidates = [self._candidate(s, categories) for s in spec.policies]
        result = run_evaluation(
            data,
            candidates,
            spec.estimators,
            alpha=spec.alpha,
            n_bootstrap=spec.n_bootstrap,
            seed=spec.seed,
            source="decision log",
        )
        return {key: _finite(value) for key, value in result.as_dict().items()}

    def _candidate(self, spec: str, categories: dict[str, str]) -> CandidatePolicy:
        return database_candidate(spec, self._database, categories)


MAX_VERSION = 2**31 - 1
"""The largest model version number (the database column is a 32-bit integer)."""


def database_candidate(
    spec: str, database: Database, categories: dict[str, str]
) -> CandidatePolicy:
    """A candidate from its spec, where `version:N` loads a saved model version."""
    kind, _, rest = spec.partition(":")
    if kind != "version":
        return parse_candidate(spec, categories)
    if not (rest.isascii() and rest.isdigit()) or int(rest) > MAX_VERSION:
        raise InvalidInput(
            "policies", f"{spec!r}: version:N needs a version number up to {MAX_VERSION}"
        )
    with database.session(readonly=True) as session:
        stored = models.get_model_version(session, int(rest))
    if stored is None:
        raise NotFound("model version", rest)
    return LearnerCandidate(stored.policy, dict(stored.params), stored.data, categories, name=spec)


def catalog_categories(database: Database) -> dict[str, str]:
    """Each offer id's category, for rule candidates and policies scoring the log."""
    with database.session(readonly=True) as session:
        return {o.id: o.category for o in offers.list_offers(session)}


def _strings(spec: Mapping[str, object], key: str) -> tuple[str, ...]:
    values = spec[key]
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput(key, f"must be a list of strings, got {values!r}")
    return tuple(str(v) for v in values)


def _real(spec: Mapping[str, object], key: str) -> float:
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(key, f"must be a number, got {value!r}")
    return float(value)


def _integer(spec: Mapping[str, object], key: str) -> int:
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(key, f"must be an integer, got {value!r}")
    return value


def _text(spec: Mapping[str, object], key: str) -> str | None:
    value = spec.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(key, f"must be a string, got {value!r}")
    return value


def _finite(value: object) -> object:
    """JSON has no NaN: replace non-finite floats by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
