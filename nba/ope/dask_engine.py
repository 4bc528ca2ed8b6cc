"""`nba evaluate` on a Dask cluster: the decision log as a Dask dataframe over Parquet.

Each partition of `dask.dataframe.read_parquet(LOG)` is checked and turned into OPE arrays on
a worker (`from_frame`, then widened to the whole log's offer columns) and stays there; each
candidate is shipped to every worker once (`Client.scatter(..., broadcast=True)`) and scores
the partitions where they are, one task per partition (what `map_partitions` does, on
partitions that hold arrays rather than frames). Everything the results need comes back as
sums over rows, added here: the feature plan and the reward model's fit (`features`,
`reward_model.FitSums`), the estimators' terms, the bootstrap's resampled sums
(`intervals.bootstrap_sums`), the diagnostics and the breakdowns (`partials`). The bootstrap's
weights and the reward model's folds are drawn per block of rows of the whole log, keyed by
the run's seed, whatever the partitioning, so the estimates and intervals are those of the
in-process engine (`run.run_evaluation`) up to floating-point rounding.

Limits: `policy:NAME` (progressive validation learns row after row in time order) runs only
in-process; tuned estimators (cips, switch_dr, dr_os) bring each candidate's importance
weights to the client (8 bytes a row) for the quantiles of their lambda grid; workers read
LOG (and `table:`/`model:` files) by the same path, so it must be on storage they share.
Needs the `dask` extra (`pip install 'nba[dask]'`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nba.errors import InvalidInput
from nba.ope.batch import Batch, FloatArray, IntArray, make_batch
from nba.ope.candidates import CandidatePolicy, LearnerCandidate, RulesCandidate
from nba.ope.diagnostics import DiagnosticSums, diagnostic_sums, diagnostics_of
from nba.ope.estimators import MODEL_BASED, TUNED
from nba.ope.evaluate import Estimate
from nba.ope.features import FeaturePlan, FieldCounts, encode, field_counts, make_plan, text_counts
from nba.ope.intervals import (
    bootstrap_key,
    bootstrap_sums,
    percentile_interval,
    resampled_estimates,
)
from nba.ope.logs import BAND_EDGES, BANDS, LoggedData, MissingReward, from_frame
from nba.ope.partials import (
    OfferSums,
    band_influence_sums,
    band_rows,
    band_sums,
    decompositions,
    offer_rows,
    offer_sums,
    terms_of,
    values_of,
)
from nba.ope.reward_model import (
    FitSums,
    FittedModel,
    design,
    fit,
    fit_sums,
    fold_key,
    fold_of_rows,
    scales,
)
from nba.ope.run import (
    N_FOLDS,
    CandidateResult,
    EvaluationResult,
    Progress,
    band_estimator,
    check_enough_outcomes,
)
from nba.ope.terms import form
from nba.ope.tuning import best_lambda, lambda_grid, search_sums

Future = Any
"""A `distributed.Future` (dask ships no type hints for it)."""


@dataclass(frozen=True, slots=True)
class DaskEvaluation:
    """The result, and the rows of the log: read, and kept (with a reward)."""

    result: EvaluationResult
    rows_read: int


def evaluate_on_dask(
    client: Any,
    log: str,
    candidates: Sequence[CandidatePolicy],
    estimators: Sequence[str],
    alpha: float = 0.05,
    n_bootstrap: int = 200,
    seed: int | None = None,
    *,
    missing_reward: MissingReward = "drop",
    default_reward: float = 0.0,
    progress: Progress | None = None,
) -> DaskEvaluation:
    """`run.run_evaluation` of the Parquet log at `log` (a file or a folder of files) on the
    cluster of `client`; see the module docstring."""
    check_partitionable(candidates)
    log_part = _Log.read(client, log, missing_reward, default_reward)
    check_enough_outcomes(log_part.n, estimators)
    root = np.random.default_rng(seed)
    model_rng, policy_rng, boot_rng = root.spawn(3)
    boot_seed = int(boot_rng.integers(2**63))
    # As `evaluate(random_state=boot_seed)` derives its bootstrap stream.
    key = bootstrap_key(np.random.default_rng(boot_seed).spawn(2)[1])
    q = log_part.reward_model(model_rng) if MODEL_BASED.intersection(estimators) else None
    run = _Run(client, log_part, key, alpha, n_bootstrap)
    logging = client.map(_logging_batch, log_part.parts, pure=False)
    (baseline,) = run.estimates(logging, ["on_policy"], with_logging=False)
    results = []
    for candidate, rng in zip(candidates, policy_rng.spawn(len(candidates)), strict=True):
        shipped = client.scatter(log_part.prepared(candidate), broadcast=True, hash=False)
        batches = client.map(
            _candidate_batch,
            log_part.parts,
            q if q is not None else [None] * len(log_part.parts),
            shipped=shipped,
            rng=rng,
            pure=False,
        )
        log_part.report(batches, f"{candidate.name}: scoring", progress)
        results.append(
            CandidateResult(
                name=candidate.name,
                estimates=run.estimates(batches, estimators, with_logging=True),
                by_band=run.by_band(batches, band_estimator(estimators, q is not None)),
                by_offer=offer_rows(
                    log_part.offer_ids,
                    _added(client.gather(client.map(_offer_sums, batches, log_part.parts))),
                    q is not None,
                ),
                weights=np.zeros(0),
            )
        )
    result = EvaluationResult(
        source=log,
        n_rows=log_part.n,
        offer_ids=log_part.offer_ids,
        estimators=tuple(estimators),
        alpha=alpha,
        n_bootstrap=n_bootstrap,
        seed=seed,
        baseline=baseline,
        candidates=tuple(results),
        reward_kind="acceptance" if log_part.is_rate else "value",
    )
    return DaskEvaluation(result, log_part.rows_read)


def check_partitionable(candidates: Sequence[CandidatePolicy]) -> None:
    """Refuse a candidate that cannot score partitions apart (InvalidInput naming `policy`)."""
    for candidate in candidates:
        if isinstance(candidate, LearnerCandidate) and candidate.model is None:
            raise InvalidInput(
                "policy",
                f"{candidate.name} is trained by progressive validation, row after row in "
                "time order, which does not split into partitions: evaluate it with "
                "--engine local, or train it and pass model:FILE",
            )


class _Log:
    """The log's partitions as OPE arrays on the workers (partitions without a kept row are
    left out), with where each starts in the whole log."""

    def __init__(
        self,
        client: Any,
        parts: list[Future],
        counts: list[int],
        offer_ids: tuple[str, ...],
        facts: list[_Facts],
        rows_read: int,
    ) -> None:
        self.client = client
        self.parts = parts
        self.counts = counts
        self.firsts = [int(x) for x in np.concatenate([[0], np.cumsum(counts)[:-1]])]
        self.n = int(sum(counts))
        self.offer_ids = offer_ids
        self.facts = facts
        self.rows_read = rows_read
        self.is_rate = all(f.is_rate for f in facts)

    @classmethod
    def read(
        cls, client: Any, log: str, missing_reward: MissingReward, default_reward: float
    ) -> _Log:
        import dask.dataframe as dd

        frame = dd.read_parquet(_parquet_paths(log), dtype_backend=None)
        raw = client.compute(frame.to_delayed())
        local = client.map(_parse, raw, missing_reward=missing_reward, default=default_reward)
        facts: list[_Facts] = client.gather(client.map(_facts_of, local))
        kept = [(part, f) for part, f in zip(local, facts, strict=True) if f.rows > 0]
        rows_read = sum(f.rows_read for f in facts)
        if not kept:
            raise InvalidInput("reward", "no row has a reward; nothing to evaluate")
        offer_ids = tuple(sorted(set().union(*(f.offer_ids for f in facts))))
        snapshots = all(f.has_snapshots for _, f in kept)
        parts = client.map(_widened, [p for p, _ in kept], offer_ids=offer_ids, snapshots=snapshots)
        del raw, local
        return cls(client, parts, [f.rows for _, f in kept], offer_ids, [f for _, f in kept],
                   rows_read)  # fmt: skip

    def prepared(self, candidate: CandidatePolicy) -> CandidatePolicy:
        """The candidate as it scores every partition like the whole log: rules get the whole
        log's offer categories (the latest row's), not a partition's."""
        if isinstance(candidate, RulesCandidate):
            logged: dict[str, str] = {}
            for f in self.facts:
                logged.update(f.categories)
            return replace(candidate, categories={**logged, **candidate.categories})
        return candidate

    def report(self, futures: list[Future], label: str, progress: Progress | None) -> None:
        """Wait for `futures` (one per partition), telling `progress` the rows done."""
        from dask.distributed import as_completed

        rows = {f.key: n for f, n in zip(futures, self.counts, strict=True)}
        for done in as_completed(futures):
            if done.status == "error":
                done.result()  # raises the worker's error here
            if progress is not None:
                progress(label, rows[done.key], self.n)

    def reward_model(self, rng: np.random.Generator) -> list[Future]:
        """The cross-fitted model's predictions per partition, as `reward_model.cross_fit`
        makes them for the whole log (features by `features.plan_of`)."""
        client = self.client
        counts = reduce(FieldCounts.add, (f.fields for f in self.facts))
        names = counts.text_fields()
        texts: Counter[tuple[str, str]] = Counter()
        for part in client.gather(client.map(_text_counts, self.parts, names=names)):
            texts.update(part)
        plan = make_plan(counts, texts)
        z = client.map(_encoded, self.parts, plan=plan)
        mean = sum(client.gather(client.map(_column_sums, z))) / self.n
        squares = sum(client.gather(client.map(_squared_deviations, z, mean=mean)))
        scale = scales(mean, np.sqrt(squares / self.n))
        key = fold_key(rng)
        common = {"n": self.n, "folds_key": key, "mean": mean, "scale": scale}
        fitted = client.map(_fit_sums, self.parts, z, self.firsts, k=len(self.offer_ids),
                            **common)  # fmt: skip
        model = fit(_added(client.gather(fitted)))
        return client.map(_predicted, z, self.firsts, model=model, **common)


class _Run:
    """Estimates and breakdowns of per-partition batches, from sums added here."""

    def __init__(self, client: Any, log: _Log, key: int, alpha: float, n_bootstrap: int) -> None:
        self.client = client
        self.log = log
        self.key = key
        self.alpha = alpha
        self.n_bootstrap = n_bootstrap

    def _sum(self, function: Callable[..., Any], *columns: Sequence[object], **kw: object) -> Any:
        return _added(self.client.gather(self.client.map(function, *columns, **kw)))

    def lambdas(self, batches: list[Future], names: Sequence[str]) -> dict[str, float]:
        """Each tuned estimator's lambda, searched as `tuning.select_lambda` does."""
        tuned = [name for name in names if name in TUNED]
        if not tuned:
            return {}
        weights = np.concatenate(self.client.gather(self.client.map(_weights, batches)))
        out = {}
        for name in tuned:
            grid = lambda_grid(name, weights)
            out[name] = best_lambda(grid, self._sum(_search_sums, batches, name=name, grid=grid))
        return out

    def estimates(
        self, batches: list[Future], names: Sequence[str], *, with_logging: bool
    ) -> tuple[Estimate, ...]:
        """As `evaluate.evaluate` (bootstrap intervals, lift over the logging policy)."""
        lambdas = self.lambdas(batches, names)
        every = [*names, "on_policy"]
        n = self.log.n
        means = self._sum(_term_sums, batches, names=every, lambdas=lambdas) / n
        values = values_of(every, means)
        bounds = [(math.nan,) * 5] * len(names)
        if self.n_bootstrap > 0:
            sums = self._sum(
                _bootstrap_sums, batches, self.log.firsts, names=every, lambdas=lambdas,
                means=means, n_bootstrap=self.n_bootstrap, weights_key=self.key,
            )  # fmt: skip
            resampled = resampled_estimates([form(name) for name in every], means, sums)
            bounds = [_bounds(r, resampled[-1], self.alpha) for r in resampled[:-1]]
        parts = self.log.parts if with_logging else [None] * len(batches)
        d = diagnostics_of(self._sum(_diagnostic_sums, batches, parts))
        return tuple(
            Estimate(
                name=name,
                value=value,
                ci_low=low,
                ci_high=high,
                se=se,
                lift=value - values[-1],
                lift_ci_low=lift_low,
                lift_ci_high=lift_high,
                ess=d.ess,
                max_weight=d.max_weight,
                mean_weight=d.mean_weight,
                unsupported_share=d.unsupported_share,
                support_known=d.support_known,
                n=n,
                alpha=self.alpha,
                interval="bootstrap" if self.n_bootstrap > 0 else "none",
                lambda_=lambdas.get(name),
            )
            for name, value, (low, high, se, lift_low, lift_high) in zip(
                names, values[: len(names)], bounds, strict=True
            )
        )

    def by_band(self, batches: list[Future], name: str) -> tuple[Any, ...]:
        """As `run._by_band`: `name` per churn band, normal intervals."""
        lambdas: dict[int, float] = {}
        if name in TUNED:
            pairs = self.client.gather(self.client.map(_weights_and_bands, batches, self.log.parts))
            weights = np.concatenate([w for w, _ in pairs])
            bands = np.concatenate([b for _, b in pairs])
            for j in range(len(BANDS)):
                keep = bands == j
                if keep.sum() >= 2:
                    grid = lambda_grid(name, weights[keep])
                    found = self._sum(
                        _search_sums, batches, self.log.parts, name=name, grid=grid, band=j
                    )
                    lambdas[j] = best_lambda(grid, found)
        parts = self.log.parts
        sums = self._sum(_band_sums, batches, parts, name=name, lambdas=lambdas)
        influence = self._sum(
            _band_influence, batches, parts, sums=sums, name=name, lambdas=lambdas
        )
        return band_rows(BANDS, name, sums, influence, self.alpha)


def _bounds(
    values: FloatArray, base: FloatArray, alpha: float
) -> tuple[float, float, float, float, float]:
    low, high = percentile_interval(values, alpha)
    lift_low, lift_high = percentile_interval(values - base, alpha)
    se = float(np.nanstd(values, ddof=1)) if values.size > 1 else math.nan
    return low, high, se, lift_low, lift_high


def _added(parts: Sequence[Any]) -> Any:
    return reduce(lambda a, b: a + b, parts)


def _parquet_paths(log: str) -> str | list[str]:
    """The file, or a folder's Parquet files in name order (as pandas reads the folder)."""
    path = Path(log)
    if path.is_dir():
        files = sorted(str(p) for p in path.rglob("*") if p.suffix in (".parquet", ".pq"))
        if not files:
            raise InvalidInput("log", f"{log}: a folder with no .parquet files")
        return files
    if not path.exists():
        raise InvalidInput("log", f"no such file: {log}")
    if path.suffix not in (".parquet", ".pq"):
        raise InvalidInput("log", "the dask engine reads Parquet logs only (a file or a folder)")
    return str(path)


# What runs on the workers: module functions of one partition, so they pickle by name.


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the client needs to know of one parsed partition."""

    rows_read: int
    rows: int
    offer_ids: frozenset[str]
    categories: dict[str, str]
    has_snapshots: bool
    is_rate: bool
    fields: FieldCounts


def _parse(frame: pd.DataFrame, missing_reward: MissingReward, default: float) -> Any:
    """(rows read, the partition's LoggedData over its own offers or None when no row is kept)."""
    if missing_reward == "drop" and "reward" in frame.columns:
        reward = pd.to_numeric(frame["reward"], errors="coerce").to_numpy(dtype=np.float64)
        if not np.isfinite(reward).any():
            return len(frame), None
    return len(frame), from_frame(frame, missing_reward, default)


def _facts_of(parsed: tuple[int, LoggedData | None]) -> _Facts:
    rows_read, data = parsed
    if data is None:
        return _Facts(rows_read, 0, frozenset(), {}, True, True, FieldCounts())
    return _Facts(
        rows_read=rows_read,
        rows=data.n,
        offer_ids=frozenset(data.offer_ids),
        categories=data.categories(),
        has_snapshots=data.offer_snapshots is not None,
        is_rate=bool(np.isin(data.reward, (0.0, 1.0)).all()),
        fields=field_counts(data.feature_table()),
    )


def _widened(
    parsed: tuple[int, LoggedData | None], offer_ids: tuple[str, ...], snapshots: bool
) -> LoggedData:
    """The partition's arrays over the whole log's offer columns."""
    data = parsed[1]
    assert data is not None  # partitions without a kept row were left out
    columns = np.searchsorted(np.asarray(offer_ids), np.asarray(data.offer_ids))
    logging = np.zeros((data.n, len(offer_ids)))
    logging[:, columns] = data.logging_dist
    eligible = np.zeros((data.n, len(offer_ids)), dtype=bool)
    eligible[:, columns] = data.eligible
    return replace(
        data,
        offer_ids=offer_ids,
        action=columns[data.action],
        logging_dist=logging,
        eligible=eligible,
        offer_snapshots=data.offer_snapshots if snapshots else None,
    )


def _text_counts(data: LoggedData, names: list[str]) -> Counter[tuple[str, str]]:
    return text_counts(data.feature_table(), names)


def _encoded(data: LoggedData, plan: FeaturePlan) -> FloatArray:
    return encode(data.feature_table(), plan)


def _column_sums(z: FloatArray) -> FloatArray:
    return z.sum(axis=0)


def _squared_deviations(z: FloatArray, mean: FloatArray) -> FloatArray:
    return ((z - mean) ** 2).sum(axis=0)


def _fit_sums(
    data: LoggedData,
    z: FloatArray,
    first: int,
    *,
    k: int,
    n: int,
    folds_key: int,
    mean: FloatArray,
    scale: FloatArray,
) -> FitSums:
    fold = fold_of_rows(first, data.n, n, N_FOLDS, folds_key)
    x = design(z, mean, scale, data.n)
    return fit_sums(x, data.reward, data.action, fold, k, N_FOLDS)


def _predicted(
    z: FloatArray,
    first: int,
    *,
    model: FittedModel,
    n: int,
    folds_key: int,
    mean: FloatArray,
    scale: FloatArray,
) -> FloatArray:
    rows = z.shape[0]
    folds = fold_of_rows(first, rows, n, N_FOLDS, folds_key)
    return model.predict(design(z, mean, scale, rows), folds)


def _logging_batch(data: LoggedData) -> Batch:
    return make_batch(data.reward, data.action, data.pscore, data.logging_dist)


def _candidate_batch(
    data: LoggedData,
    q: FloatArray | None,
    shipped: CandidatePolicy,
    rng: np.random.Generator,
) -> Batch:
    dist = shipped.action_dist(data, rng)
    return make_batch(data.reward, data.action, data.pscore, dist, q)


def _weights(b: Batch) -> FloatArray:
    return np.asarray(b.weight)


def _weights_and_bands(b: Batch, data: LoggedData) -> tuple[FloatArray, IntArray]:
    return np.asarray(b.weight), _band_of(data)


def _band_of(data: LoggedData) -> IntArray:
    """Each row's churn band as an index into BANDS."""
    return np.asarray(np.digitize(data.churn_score, BAND_EDGES), dtype=np.int64)


def _search_sums(
    b: Batch,
    data: LoggedData | None = None,
    *,
    name: str,
    grid: Sequence[float],
    band: int | None = None,
) -> FloatArray:
    if band is None or data is None:
        return search_sums(name, b, grid)
    keep = _band_of(data) == band
    if not keep.any():
        return np.zeros((len(grid) + 1, 3))
    q = None if b.estimated_rewards is None else b.estimated_rewards[keep]
    rows = make_batch(b.reward[keep], b.action[keep], b.pscore[keep], b.action_dist[keep], q)
    return search_sums(name, rows, grid)


def _term_sums(b: Batch, names: Sequence[str], lambdas: Mapping[str, float]) -> FloatArray:
    return terms_of(decompositions(b, names, lambdas)).sum(axis=0)


def _bootstrap_sums(
    b: Batch,
    first: int,
    *,
    names: Sequence[str],
    lambdas: Mapping[str, float],
    means: FloatArray,
    n_bootstrap: int,
    weights_key: int,
) -> FloatArray:
    terms = terms_of(decompositions(b, names, lambdas))
    return bootstrap_sums(terms, means, first, n_bootstrap, weights_key)


def _diagnostic_sums(b: Batch, data: LoggedData | None) -> DiagnosticSums:
    return diagnostic_sums(b, None if data is None else data.logging_dist)


def _offer_sums(b: Batch, data: LoggedData) -> OfferSums:
    return offer_sums(b, data.logging_dist)


def _band_sums(
    b: Batch, data: LoggedData, *, name: str, lambdas: Mapping[int, float]
) -> FloatArray:
    return band_sums(b, _band_of(data), len(BANDS), name, lambdas)


def _band_influence(
    b: Batch, data: LoggedData, *, sums: FloatArray, name: str, lambdas: Mapping[int, float]
) -> FloatArray:
    return band_influence_sums(b, _band_of(data), sums, name, lambdas)
