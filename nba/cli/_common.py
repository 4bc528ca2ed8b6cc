"""What every command shares: settings from env/file/flags, the runtime, error mapping."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TypeVar

import click

from nba.config import Settings, load_settings
from nba.errors import NbaError
from nba.runtime import Runtime, build_runtime
from nba.storage import Database

F = TypeVar("F", bound=Callable[..., object])


def database_options(command: F) -> F:
    """Add --database-url and --data-dir to a command."""
    command = click.option(
        "--data-dir", type=click.Path(file_okay=False), default=None,
        help="Folder of the embedded SQLite database (default .nba).",
    )(command)  # fmt: skip
    return click.option(
        "--database-url", default=None, envvar="NBA_DATABASE_URL", show_envvar=True,
        help="SQLAlchemy URL; default: a SQLite file in the data dir.",
    )(command)  # fmt: skip


def settings_from(database_url: str | None, data_dir: str | None, **more: object) -> Settings:
    """Settings from NBA_CONFIG / NBA_* with the command's flags on top."""
    from pathlib import Path

    overrides: dict[str, object] = {"database_url": database_url, **more}
    if data_dir:
        overrides["data_dir"] = Path(data_dir)
    return load_settings(**overrides)


def open_database(settings: Settings) -> Database:
    """Open (and migrate) the configured database, without loading a policy."""
    database = Database(settings.resolved_database_url)
    database.upgrade()
    return database


def open_runtime(settings: Settings) -> Runtime:
    """Build the runtime for a one-shot command."""
    return build_runtime(settings)


def nba_errors(command: F) -> F:
    """Turn NbaError into a click error with a non-zero exit code."""

    @functools.wraps(command)
    def wrapped(*args: object, **kwargs: object) -> object:
        try:
            return command(*args, **kwargs)
        except NbaError as error:
            raise click.ClickException(error.message) from None

    return wrapped  # type: ignore[return-value]


def echo_json(data: object) -> None:
    """Print JSON to stdout."""
    click.echo(json.dumps(data, indent=2, default=str))
