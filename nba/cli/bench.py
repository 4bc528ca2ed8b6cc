"""`nba bench decide`: how fast a decision is, from raw VW predict to the HTTP service."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group(name="bench")
def command() -> None:
    """Speed benchmarks of the decision loop."""


@command.command("decide")
@click.option(
    "--offers",
    type=click.IntRange(2, 200),
    default=10,
    show_default=True,
    help="Offers, counting the built-in no_action.",
)
@click.option("--context-features", type=click.IntRange(1, 190), default=20, show_default=True)
@click.option(
    "--n",
    type=click.IntRange(10),
    default=5000,
    show_default=True,
    help="Calls per in-process phase (a fifth more warm up and train).",
)
@click.option(
    "--rate",
    type=click.FloatRange(1, min_open=False),
    default=300.0,
    show_default=True,
    help="Open-loop HTTP requests per second.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(0.1),
    default=10.0,
    show_default=True,
    help="Length of each HTTP phase (closed loop: at most 5 s).",
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="gunicorn worker processes of the server.",
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    default=4,
    show_default=True,
    help="Threads per server worker.",
)
@click.option(
    "--clients",
    type=click.IntRange(1, 64),
    default=3,
    show_default=True,
    help="Load-generating client threads (keep it small on a small machine).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--http/--no-http",
    default=True,
    show_default=True,
    help="Also benchmark `nba serve` over HTTP.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write the results to this JSON file.",
)
def decide(
    offers: int,
    context_features: int,
    n: int,
    rate: float,
    seconds: float,
    workers: int,
    threads: int,
    clients: int,
    seed: int,
    http: bool,
    json_path: str | None,
) -> None:
    """Time raw VW predict, in-process decisions, and decisions and outcomes over HTTP."""
    from nba.bench import BenchOptions, run, summary, table, to_json

    options = BenchOptions(
        offers, context_features, n, rate, seconds, workers, threads, clients, seed, http
    )
    rows = run(options)
    click.echo(table(rows))
    if json_path:
        Path(json_path).write_text(json.dumps(to_json(rows, options), indent=2) + "\n")
        click.echo(f"wrote {json_path}", err=True)
    click.echo(summary(rows, options))
