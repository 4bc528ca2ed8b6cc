"""`nba export`: the decision log in the logged-data schema (Parquet or CSV)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nba.cli._common import database_options, open_database, settings_from
from nba.errors import Conflict, InvalidInput


@click.command("export")
@click.argument("out_argument", metavar="[OUT]", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="File to write: .csv is CSV, anything else Parquet. Without it: CSV on stdout.",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--from", "start", default=None, help="ISO time, inclusive.")
@click.option("--to", "end", default=None, help="ISO time, exclusive.")
@click.option("--channel", default=None)
@database_options
def command(
    out_argument: str | None,
    out: str | None,
    force: bool,
    start: str | None,
    end: str | None,
    channel: str | None,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Write the decision log to --out PATH (.parquet or .csv) or to stdout (CSV).

    OUT, an argument, is the same as --out. An existing file is kept unless --force is given.
    With --out the last line printed is the file's path; the count goes to stderr.
    """
    from nba.clock import parse_time
    from nba.evaluation.exports import decision_log, export_bytes
    from nba.logschema import write_log

    if out and out_argument and out != out_argument:
        raise click.UsageError("give the file once: OUT or --out, not both")
    named = out or out_argument
    target = Path(named) if named else None
    if target is not None and target.exists() and not force:
        raise Conflict(
            f"{target} exists: pass --force to overwrite it, or choose another --out", field="out"
        )
    if target is None and sys.stdout.isatty():
        raise InvalidInput(
            "out", "no file given: pass --out PATH, or redirect stdout (nba export > log.csv)"
        )
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
    click.echo(f"{len(frame)} decisions", err=True)
    if target is None:
        sys.stdout.buffer.write(export_bytes(frame, "csv"))
        sys.stdout.flush()
        return
    click.echo(str(write_log(frame, target)))
