"""Long fuzz run: schemathesis against the app in-process, every role, many cases per role.

Run: `python benchmarks/fuzz.py [--cases 20000] [--seed 1] [--database-url URL]`.
A fresh SQLite file in a scratch folder (or the given database) with the sample offers and a
seeded decision log; each role's key fuzzes every operation that role may call, the cases of a
role shared evenly among its operations. Prints cases, failures by check and seconds per role,
and one example reply per failing check and route. The bounded run is
`tests/contract/test_fuzz_http.py`; this is the same harness (`tests/contract/fuzzing.py`).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness lives in tests/

from api import create_app
from nba.config import Settings
from nba.domain import ROLES
from nba.runtime import build_runtime
from tests.conftest import SAMPLE_OFFERS
from tests.contract.fuzzing import Figures, fuzz, load_schema, operations_for, seed_log


@click.command()
@click.option("--cases", default=20_000, show_default=True, help="Cases per role.")
@click.option("--seed", default=1, show_default=True, help="Hypothesis seed.")
@click.option("--database-url", default=None, help="Default: a fresh SQLite file.")
@click.option("--role", "roles", multiple=True, default=ROLES, show_default=True)
def main(cases: int, seed: int, database_url: str | None, roles: tuple[str, ...]) -> None:
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
            total = Figures()
            for role in roles:
                operations = len(operations_for(load_schema(app), role))
                _, key = runtime.keys.create(role, f"fuzz {role}")
                per_operation = max(1, cases // max(1, operations))
                figures = fuzz(app, key, role, max_examples=per_operation, seed=seed)
                total.add(figures)
                _report(f"{role} ({operations} operations)", figures)
            _report("all roles", total)
            for where, example in sorted(total.examples.items()):
                click.echo(f"  {where}: {example}")
        finally:
            runtime.close()


def _report(name: str, figures: Figures) -> None:
    failures = ", ".join(f"{check} {n}" for check, n in sorted(figures.failures.items()))
    rate = figures.cases / max(figures.seconds, 1e-9)
    click.echo(
        f"{name}: {figures.cases} cases, failures: {failures or 'none'}, "
        f"{figures.seconds:.0f} s ({rate:.0f}/s)"
    )


if __name__ == "__main__":
    main()
