"""What every command shares: settings from env/file/flags, the runtime, error mapping."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

import click

from nba.config import Settings, load_settings
from nba.errors import (
    Conflict,
    InvalidInput,
    InvalidSetting,
    NbaError,
    NoEligibleOffer,
    NotFound,
    Unavailable,
    Unsupported,
)
from policies import InvalidModel, InvalidParameter, PolicyError, UnknownPolicy

if TYPE_CHECKING:  # imported by the commands that use them: `nba --help` needs neither
    from nba.cluster import DaskClient
    from nba.runtime import Runtime
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
    from nba.storage import Database

    database = Database(settings.database.resolved_url)
    database.upgrade()
    return database


def open_runtime(settings: Settings) -> Runtime:
    """Build the runtime for a one-shot command."""
    from nba.runtime import build_runtime

    return build_runtime(settings)


EXIT_CODES: dict[type[Exception], int] = {
    NbaError: 1,
    InvalidInput: 1,
    NotFound: 3,
    Conflict: 4,
    NoEligibleOffer: 5,
    InvalidSetting: 6,
    PolicyError: 1,
    InvalidParameter: 1,
    UnknownPolicy: 1,
    InvalidModel: 7,
    Unavailable: 8,
    Unsupported: 1,
}
"""The exit code of each error class a command may raise (the nearest class in its MRO);
click itself exits 2 on a usage error. Every command of the `nba` group maps them."""


def command_failure(error: Exception) -> click.ClickException:
    """`error` as click shows it: `Error: <message>` on stderr, the exit code of its class.

    An input with several problems (`details["problems"]`) gets one line per problem.
    """
    code = next(EXIT_CODES[cls] for cls in type(error).__mro__ if cls in EXIT_CODES)
    failure = type("CommandFailed", (click.ClickException,), {"exit_code": code})
    message = error.message if isinstance(error, NbaError) else str(error)
    problems = error.details.get("problems") if isinstance(error, NbaError) else None
    if isinstance(problems, list) and len(problems) > 1:
        lines = [f"  {p['field']}: {p['problem']}" for p in problems if isinstance(p, dict)]
        message = "\n".join([f"{len(problems)} problems:", *lines])
    return failure(message)


def map_errors(command: click.Command) -> None:
    """Make `command` (a group: each of its commands) turn EXIT_CODES' errors into click's.

    The `nba` group calls this for every command added to it, so no command can miss it.
    """
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            map_errors(subcommand)
    callback = command.callback
    if callback is None or callback in _MAPPED:
        return

    @functools.wraps(callback)
    def mapped(*args: object, **kwargs: object) -> object:
        try:
            return callback(*args, **kwargs)
        except tuple(EXIT_CODES) as error:
            raise command_failure(error) from None

    _MAPPED.add(mapped)
    command.callback = mapped


_MAPPED: set[Callable[..., object]] = set()


def iso_utc(moment: datetime) -> str:
    """`moment` in ISO 8601, UTC, to the second: `2026-01-31T09:30:00Z` (naive means UTC)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def echo_json(data: object) -> None:
    """Print JSON to stdout."""
    click.echo(json.dumps(data, indent=2, default=str))


def dask_client(scheduler: str) -> DaskClient:
    """A client of the cluster named by --scheduler; an address where no scheduler answers is
    a usage error naming the option."""
    import logging

    from nba.cluster import DaskClient

    # The cluster's lifecycle (workers starting, comms closing) is not the command's output.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    try:
        return DaskClient.connect(scheduler)
    except InvalidInput as error:
        if error.field != "scheduler":
            raise
        problem = error.message.partition(": ")[2]
        raise click.BadParameter(problem, param_hint="'--scheduler'") from None
