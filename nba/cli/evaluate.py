"""`nba evaluate`: off-policy evaluation of candidate policies on a decision log."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Never

import click
import numpy as np

from nba.cli._common import database_options
from nba.errors import InvalidInput
from nba.ope.evaluate import DEFAULT_ESTIMATORS
from nba.schemas import DEFAULT_ALPHA, DEFAULT_N_BOOTSTRAP

if TYPE_CHECKING:
    import pandas as pd
    from tqdm import tqdm

    from nba.ope.candidates import CandidatePolicy
    from nba.ope.logs import MissingReward
    from nba.ope.run import EvaluationResult, Progress


@click.command("evaluate")
@click.argument("log", type=click.Path())
@click.option(
    "--policy",
    "policies",
    multiple=True,
    required=True,
    help="Candidate spec, repeatable: random, rules[:FILE], table:FILE, "
    "policy:NAME[,key=value...] (progressive validation), model:[NAME:]FILE, and with "
    "LOG=db version:N (a saved model version).",
)
@click.option(
    "--estimators",
    default=",".join(DEFAULT_ESTIMATORS),
    show_default=True,
    help="Comma-separated: on_policy, ips, snips, cips, dm, dr, sndr, switch_dr, dr_os.",
)
@click.option("--alpha", type=float, default=DEFAULT_ALPHA, show_default=True, help="1 - CI level.")
@click.option(
    "--n-bootstrap",
    type=click.IntRange(min=0),
    default=DEFAULT_N_BOOTSTRAP,
    show_default=True,
    help="Bootstrap resamples; 0 gives point estimates only.",
)
@click.option("--seed", type=int, default=None, help="Seed of everything drawn (default: new).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="out/evaluate",
    show_default=True,
    help="Folder for evaluation.json and report.html.",
)
@click.option(
    "--missing-reward",
    type=click.Choice(["drop", "default"]),
    default="drop",
    show_default=True,
    help="Rows without a reward: drop them, or use --default-reward.",
)
@click.option("--default-reward", type=float, default=0.0, show_default=True)
@click.option(
    "--categories",
    "categories_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="YAML/JSON mapping offer id -> category, for rules and policies.",
)
@click.option(
    "--learn-every",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Progressive validation: learn after every N rows (each row is scored first).",
)
@click.option("--from", "start", default=None, help="With LOG=db: ISO time, inclusive.")
@click.option("--to", "end", default=None, help="With LOG=db: ISO time, exclusive.")
@click.option("--channel", default=None, help="With LOG=db: only decisions of this channel.")
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where the work runs: this process, or a Dask cluster (LOG a Parquet file or folder).",
)
@click.option(
    "--scheduler",
    default="local",
    show_default=True,
    help="With --engine dask: tcp://HOST:PORT of a Dask scheduler, or local (a LocalCluster).",
)
@database_options
def evaluate(
    log: str,
    policies: tuple[str, ...],
    estimators: str,
    alpha: float,
    n_bootstrap: int,
    seed: int | None,
    out_dir: str,
    missing_reward: MissingReward,  # click.Choice gives one of these
    default_reward: float,
    categories_file: str | None,
    learn_every: int,
    start: str | None,
    end: str | None,
    channel: str | None,
    engine: str,
    scheduler: str,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Estimate each --policy's value on LOG (.parquet, .csv, or VW .dsjson) vs the logging one.

    LOG `db` reads the decision log from the database (--database-url / --data-dir, with
    --from / --to) instead of a file. With --engine dask, LOG is a Parquet file or a folder
    of Parquet files, read by the cluster's workers in partitions, and the results are the
    local engine's. Prints a table, writes OUT/evaluation.json and OUT/report.html; the last
    line printed is the JSON file's path.
    """
    from dataclasses import replace

    from nba.ope.candidates import LearnerCandidate, parse_candidate
    from nba.ope.logs import from_frame, read_decision_log
    from nba.ope.report import write_html, write_json
    from nba.ope.run import run_evaluation

    names = tuple(e.strip() for e in estimators.split(",") if e.strip())
    categories = _categories(categories_file)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    if engine == "dask":
        if log == "db":
            raise InvalidInput(
                "engine", "the dask engine reads Parquet files: `nba export` the log first"
            )
        candidates = [parse_candidate(spec, categories) for spec in policies]
        with _Bars() as bars:
            evaluation, read = _on_dask(
                scheduler, log, candidates, names, alpha, n_bootstrap, seed,
                missing_reward, default_reward, bars.advance,
            )  # fmt: skip
        _say_rows(read, evaluation.n_rows, len(evaluation.offer_ids))
    else:
        if log == "db":
            frame, candidates = _database_log(
                database_url, data_dir, start, end, channel, policies, categories
            )
        else:
            frame = read_decision_log(log)
            candidates = [parse_candidate(spec, categories) for spec in policies]
        candidates = [
            replace(c, learn_every=learn_every) if isinstance(c, LearnerCandidate) else c
            for c in candidates
        ]
        data = from_frame(frame, missing_reward, default_reward)
        _say_rows(len(frame), data.n, len(data.offer_ids))
        with _Bars() as bars:
            evaluation = run_evaluation(
                data, candidates, names, alpha, n_bootstrap, seed, str(log), bars.advance
            )
    out = Path(out_dir)
    json_path = write_json(evaluation, out / "evaluation.json")
    html_path = write_html(evaluation, out / "report.html")
    click.echo(_table(evaluation))
    for c in evaluation.candidates:
        share = c.estimates[0].unsupported_share
        if share > 0:
            click.echo(
                f"warning: {c.name} puts probability on offers without logging support on "
                f"{100 * share:.1f}% of rows; estimates are biased there",
                err=True,
            )
    click.echo(f"report: {html_path}", err=True)
    click.echo(str(json_path))


def _say_rows(read: int, kept: int, offers: int) -> None:
    click.echo(
        f"{kept} decisions ({read - kept} without reward dropped), {offers} offers", err=True
    )


def _on_dask(
    scheduler: str,
    log: str,
    candidates: list[CandidatePolicy],
    names: tuple[str, ...],
    alpha: float,
    n_bootstrap: int,
    seed: int,
    missing_reward: MissingReward,
    default_reward: float,
    progress: Progress,
) -> tuple[EvaluationResult, int]:
    """The evaluation on the cluster at `scheduler` (closed after), and the rows read."""
    from nba.cli._common import dask_client
    from nba.ope.dask_engine import check_partitionable, evaluate_on_dask

    check_partitionable(candidates)
    with dask_client(scheduler) as connected:
        done = evaluate_on_dask(
            connected.client, log, candidates, names, alpha, n_bootstrap, seed,
            missing_reward=missing_reward, default_reward=default_reward, progress=progress,
        )  # fmt: skip
    return done.result, done.rows_read


class _Bars:
    """One tqdm bar per phase label, on stderr, silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self._bars: dict[str, tqdm[Never]] = {}

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        for bar in self._bars.values():
            bar.close()

    def advance(self, label: str, done: int, total: int) -> None:
        """Advance the bar of `label` by `done` of `total`."""
        from tqdm import tqdm

        if label not in self._bars:
            self._bars[label] = tqdm(total=total, desc=label, disable=None, leave=False)
        self._bars[label].update(done)


def _database_log(
    database_url: str | None,
    data_dir: str | None,
    start: str | None,
    end: str | None,
    channel: str | None,
    specs: tuple[str, ...],
    categories: dict[str, str],
) -> tuple[pd.DataFrame, list[CandidatePolicy]]:
    """The stored log, and candidates that may name saved model versions (`version:N`)."""
    from nba.cli._common import open_database, settings_from
    from nba.clock import parse_time
    from nba.evaluation.exports import decision_log
    from nba.evaluation.jobs import catalog_categories, database_candidate

    database = open_database(settings_from(database_url, data_dir))
    try:
        frame = decision_log(
            database,
            start=parse_time(start, "from") if start else None,
            end=parse_time(end, "to") if end else None,
            channel=channel,
        )
        known = {**catalog_categories(database), **categories}
        return frame, [database_candidate(spec, database, known) for spec in specs]
    finally:
        database.dispose()


def _categories(path: str | None) -> dict[str, str]:
    if path is None:
        return {}
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise InvalidInput("categories", f"{path}: must map offer ids to categories")
    return {str(k): str(v) for k, v in data.items()}


def _table(evaluation: EvaluationResult) -> str:
    level = round(100 * (1 - evaluation.alpha))
    base = evaluation.baseline
    lines = [
        f"logging policy: {base.value:.4f} [{_f(base.ci_low)}, {_f(base.ci_high)}] "
        f"({level}% CI, n={evaluation.n_rows})",
        f"{'candidate':<24} {'estimator':<10} {'value':>8} {'CI':>19} {'lift':>8} "
        f"{'lift CI':>19} {'ESS':>8} {'max w':>7} {'unsupp':>6}",
    ]
    for c in evaluation.candidates:
        for e in c.estimates:
            lines.append(
                f"{c.name[:24]:<24} {e.name:<10} {e.value:8.4f} "
                f"{'[' + _f(e.ci_low) + ', ' + _f(e.ci_high) + ']':>19} {e.lift:8.4f} "
                f"{'[' + _f(e.lift_ci_low) + ', ' + _f(e.lift_ci_high) + ']':>19} "
                f"{e.ess:8.0f} {e.max_weight:7.2f} {100 * e.unsupported_share:5.1f}%"
            )
    return "\n".join(lines)


def _f(value: float) -> str:
    return "n/a" if value != value else f"{value:.4f}"
