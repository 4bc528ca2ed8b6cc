"""The `nba` command line: a composition root with one group or command per noun."""

from __future__ import annotations

import click
from pydantic import ValidationError

from nba.cli import (
    audit,
    bench,
    decide,
    demo,
    evaluate,
    export,
    keys,
    models,
    offers,
    serve,
    simulate,
    worker,
)
from nba.cli._common import map_errors
from nba.config import load_settings
from nba.errors import InvalidSetting
from nba.logs import configure_logging

EXIT_HELP = (
    "Exit codes: 0 done, 1 invalid input or another refusal, 2 usage, 3 not found, "
    "4 conflict, 5 no eligible offer, 6 invalid setting, 7 a stored model cannot be loaded, "
    "8 the database is unavailable (read-only, full or unreachable): retry later."
)


class _Nba(click.Group):
    """The `nba` group: maps nba's errors (`_common.EXIT_CODES`) for every command added."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        map_errors(cmd)
        super().add_command(cmd, name)


@click.group(cls=_Nba, epilog=EXIT_HELP)
@click.version_option(package_name="nba")
@click.option("-v", "--verbose", is_flag=True, help="Log at DEBUG level.")
def main(verbose: bool) -> None:
    """nba: next-best-action optimizer for customer retention."""
    try:
        settings = load_settings()
    except (InvalidSetting, ValidationError, OSError):
        settings = None  # the command reads the settings again and reports the problem
    configure_logging(settings, verbose=verbose)


for _command in (
    serve.command, keys.command, offers.command, decide.command, models.command,
    export.command, bench.command, worker.command, simulate.simulate, evaluate.evaluate,
    demo.command, audit.command,
):  # fmt: skip
    main.add_command(_command)
