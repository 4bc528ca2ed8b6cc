"""`nba loops create|key|list|export|import`: the Personalizer learning loops (issue 17)."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from nba.cli._common import database_options, open_database, settings_from
from nba.clock import utc_now
from nba.domain import Actor
from nba.personalizer.composition import build_personalizer
from nba.personalizer.dsjson import dsjson_lines
from nba.personalizer.warm_start import warm_start
from nba.serving.keys import KeyRing


@click.group("loops")
def command() -> None:
    """Personalizer learning loops: create them, give them keys, move their logs."""


@command.command("create")
@click.argument("name")
@database_options
def create(name: str, database_url: str | None, data_dir: str | None) -> None:
    """Create the loop NAME (one per former Personalizer resource)."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        parts = build_personalizer(database, np.random.default_rng(), utc_now)
        parts.loops.create(name)
    finally:
        database.dispose()
    click.echo(f"created loop {name}")


@command.command("key")
@click.argument("name")
@click.option("--label", default="", help="A label, e.g. the application that uses the key.")
@database_options
def key(name: str, label: str, database_url: str | None, data_dir: str | None) -> None:
    """Create a Personalizer key of the loop NAME and print it (last line)."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        parts = build_personalizer(database, np.random.default_rng(), utc_now)
        parts.loops.state(name)
        made, secret = KeyRing(database).create("personalizer", label or name, actor=Actor.cli())
        parts.loops.bind_key(made.id, name)
    finally:
        database.dispose()
    click.echo(f"created personalizer key {made.id} of loop {name}; store it now:", err=True)
    click.echo(secret)


@command.command("list")
@database_options
def list_loops(database_url: str | None, data_dir: str | None) -> None:
    """List the loops by name."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        for name in build_personalizer(database, np.random.default_rng(), utc_now).loops.names():
            click.echo(name)
    finally:
        database.dispose()


@command.command("export")
@click.argument("name")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: stdout).")  # fmt: skip
@database_options
def export(name: str, out: Path | None, database_url: str | None, data_dir: str | None) -> None:
    """Write the loop NAME's log as DSJSON (VW's --dsjson reads it)."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        parts = build_personalizer(database, np.random.default_rng(), utc_now)
        lines = dsjson_lines(parts.admin.logged(name))
        if out is None:
            for line in lines:
                click.echo(line)
            return
        count = 0
        with out.open("w", encoding="utf-8") as file:
            for line in lines:
                file.write(line + "\n")
                count += 1
        click.echo(f"wrote {count} events to {out}", err=True)
    finally:
        database.dispose()


@command.command("import")
@click.argument("log", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--loop", "name", default="default", show_default=True)
@click.option("--seed", type=int, default=None, help="Seed of the model's VW random numbers.")
@database_options
def import_log(
    log: Path, name: str, seed: int | None, database_url: str | None, data_dir: str | None
) -> None:
    """Warm-start the loop's model from a DSJSON LOG (Personalizer's export); print the version."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        rng = np.random.default_rng(seed)
        parts = build_personalizer(database, rng, utc_now)
        done = warm_start(database, parts.loops, parts.models, name, log, rng, utc_now)
    finally:
        database.dispose()
    click.echo(f"learned {done.learned} events, skipped {done.skipped} without a reward", err=True)
    click.echo(done.version)
