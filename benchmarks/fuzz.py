"""Long fuzz run: schemathesis against the app in-process, every role, many cases per role.

Run: `python benchmarks/fuzz.py [--cases 20000] [--workers 2] [--seed 1] [--database-url URL]`.
Each worker is a process with its own app on a fresh SQLite file in a scratch folder (or the
given database, with one worker) holding the sample offers and a seeded decision log. In every
worker each role's key fuzzes every operation that role may call; a role's cases are shared
evenly among the workers, worker `i` drawing with Hypothesis seed `seed + i` so that the
workers send different cases, and then among its operations (`fuzzing.fuzz_cases`: those
with few distinct requests run out early, and the others take up their share).
Prints cases, failures by check and seconds per role (summed over the workers), the wall time,
and one example reply per failing check and route. The bounded run is
`tests/contract/test_fuzz_http.py`; this is the same harness (`tests/contract/fuzzing.py`).
"""

from __future__ import annotations

import math
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness lives in tests/

from api import create_app
from nba.config import Settings
from nba.domain import ROLES
from nba.runtime import build_runtime
from tests.conftest import SAMPLE_OFFERS
from tests.contract.fuzzing import Figures, fuzz_cases, load_schema, seed_log


@click.command()
@click.option("--cases", default=20_000, show_default=True, help="Cases per role, all workers.")
@click.option("--workers", default=2, show_default=True, help="Processes, each with its own app.")
@click.option("--seed", default=1, show_default=True, help="Hypothesis seed of worker 0.")
@click.option("--database-url", default=None, help="Default: a fresh SQLite file per worker.")
@click.option("--role", "roles", multiple=True, default=ROLES, show_default=True)
def main(
    cases: int, workers: int, seed: int, database_url: str | None, roles: tuple[str, ...]
) -> None:
    if workers < 1:
        raise click.BadParameter("must be at least 1", param_hint="--workers")
    if database_url and workers > 1:
        raise click.BadParameter("one database serves one worker", param_hint="--workers")
    started = time.perf_counter()
    jobs = [(cases, workers, seed + i, database_url, roles) for i in range(workers)]
    if workers == 1:
        results = [_worker(*jobs[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            results = pool.starmap(_worker, jobs)
    total = Figures()
    for role in roles:
        figures = Figures()
        for result in results:
            figures.add(result[role])
        total.add(figures)
        _report(role, figures)
    _report("all roles", total)
    click.echo(f"wall time {time.perf_counter() - started:.0f} s with {workers} worker(s)")
    for where, example in sorted(total.examples.items()):
        click.echo(f"  {where}: {example}")


def _worker(
    cases: int, workers: int, seed: int, database_url: str | None, roles: tuple[str, ...]
) -> dict[str, Figures]:
    """One worker's share of every role's cases, against its own app and database."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{folder}/nba.db"
        runtime = build_runtime(
            Settings(database_url=url, data_dir=Path(folder), seed=7, save_interval_s=3600)
        )
        try:
            for spec in SAMPLE_OFFERS:
                runtime.catalog.add(spec)
            app = create_app(runtime=runtime, start_jobs=False)
            seed_log(app, runtime.keys.create("crm", "fuzz seed")[1])
            schema = load_schema(app)
            results = {}
            for role in roles:
                _, key = runtime.keys.create(role, f"fuzz {role}")
                share = math.ceil(cases / workers)
                results[role] = fuzz_cases(app, key, role, cases=share, seed=seed, schema=schema)
                _report(f"  seed {seed}, {role}", results[role], progress=True)
            return results
        finally:
            runtime.close()


def _report(name: str, figures: Figures, progress: bool = False) -> None:
    """One line of figures; `progress`: a worker's, on stderr as each role ends, with examples."""
    failures = ", ".join(f"{check} {n}" for check, n in sorted(figures.failures.items()))
    rate = figures.cases / max(figures.seconds, 1e-9)
    click.echo(
        f"{name}: {figures.cases} cases, failures: {failures or 'none'}, "
        f"{figures.seconds:.0f} worker-s ({rate:.0f}/s per worker)",
        err=progress,
    )
    for where, example in sorted(figures.examples.items()) if progress else ():
        click.echo(f"    {where}: {example}", err=True)


if __name__ == "__main__":
    main()
