"""Overspend: two `nba serve` hosts over one PostgreSQL, many concurrent clients, one small budget.

Run: `python benchmarks/budget_overspend.py [--decisions 10000] [--limit 100] [--clients 16]
[--workers 2] [--database-url URL]`.
Each host is `nba serve` with `--workers` gunicorn workers on a free port; the database is a
fresh schema of the PostgreSQL of `--database-url` (default NBA_TEST_DATABASE_URL), dropped
afterwards. `nba.bench.overspend` adds `scarce` (a budget of `--limit` accepts) and `plenty`
(none); client `k` decides on host `k % 2` and reports the outcome of every decision that chose
`scarce` to the other host (one in two accepted, so declines give reservations back during the
race). It prints the decisions answered, the errors, how many chose `scarce`, its accepts and
its ledger row from the database, and the overspend (accepts and held reservations beyond the
limit); the target is an overspend of 0 with zero errors.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nba.bench.overspend import count, drive, prepare  # noqa: E402 (after the path is set)
from tests.e2e.live import Served  # noqa: E402


@click.command()
@click.option("--decisions", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--clients", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option(
    "--database-url",
    default=lambda: os.environ.get(
        "NBA_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
    help="A PostgreSQL server; the run uses a fresh schema in it.",
)
def main(decisions: int, limit: int, clients: int, workers: int, database_url: str) -> None:
    """Race the clients on two hosts and print what the database holds."""
    schema = f"nba_overspend_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(database_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        with tempfile.TemporaryDirectory(prefix="nba-overspend-") as scratch:
            secret = prepare(url, limit)
            hosts = [
                Served(Path(scratch) / name, url, workers=workers, save_interval_s=3600)
                for name in ("a", "b")
            ]
            for host in hosts:
                host.folder.mkdir()
                host.start()
            try:
                driven = drive([h.url for h in hosts], secret, decisions=decisions, clients=clients)
            finally:
                for host in hosts:
                    host.stop()
            race = count(url, limit, driven)
            logged = [
                line
                for log in Path(scratch).glob("*/service-*.log")
                for line in log.read_text(errors="replace").splitlines()
                if '"level": "ERROR"' in line or "Error" in line
            ]
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    click.echo(
        f"2 hosts x {workers} workers, {clients} clients: {race.decisions} decisions answered "
        f"in {race.seconds:.1f} s ({race.decisions / race.seconds:.0f}/s), {race.errors} errors"
    )
    click.echo(
        f"budget {race.limit} accepts: {race.chose_scarce} decisions chose it, "
        f"{race.accepted} accepted; ledger reserved {race.reserved:g}, consumed {race.consumed:g}"
    )
    for failure in race.failures[:5]:
        click.echo(f"failed: {failure}", err=True)
    for line in logged[:10]:
        click.echo(f"server: {line[:400]}", err=True)
    click.echo(f"overspend: {race.overspend}")


if __name__ == "__main__":
    main()
