"""`nba export`: the decision log in the logged-data schema (Parquet or CSV)."""

from __future__ import annotations

from pathlib import Path

import click

from nba.cli._common import database_options, open_database, settings_from
from nba.clock import parse_time
from nba.evaluation.exports import decision_log
from nba.logschema import write_log


@click.command("export")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--from", "start", default=None, help="ISO time, inclusive.")
@click.option("--to", "end", default=None, help="ISO time, exclusive.")
@click.option("--channel", default=None)
@database_options
def command(
    out: str,
    start: str | None,
    end: str | None,
    channel: str | None,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Write the decision log to OUT (.parquet, or .csv)."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        frame = decision_log(
            database,
            start=parse_time(start, "from") if start else None,
            end=parse_time(end, "to") if end else None,
            channel=channel,
        )
    finally:
        database.dispose()
    path = write_log(frame, Path(out))
    click.echo(f"{len(frame)} decisions", err=True)
    click.echo(str(path))
