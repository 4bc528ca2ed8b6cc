"""The `nba` command line: a composition root with one group or command per noun.

Commands load lazily: `nba --version` and `nba --help` import click and this module only, and
each command imports what it uses (VW, pandas, SQLAlchemy, the Flask app) when it runs.
`COMMANDS` names each command's module and the one-line summary `nba --help` shows.
"""

from __future__ import annotations

import importlib
import logging

import click

EXIT_HELP = (
    "Exit codes: 0 done, 1 invalid input or another refusal, 2 usage, 3 not found, "
    "4 conflict, 5 no eligible offer, 6 invalid setting, 7 a stored model cannot be loaded, "
    "8 the database is unavailable (read-only, full or unreachable): retry later."
)

COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("nba.cli.audit:command", "Print changes: time, actor id, actor role, entity, "
              "entity id, action, after (JSON)."),
    "bench": ("nba.cli.bench:command", "Speed benchmarks of the decision loop."),
    "contact-policy": ("nba.cli.suppression:policy_command", "The contact policy: window "
                       "limits, decline cool-downs, quiet hours."),
    "campaign": ("nba.cli.campaign:command", "Assign a file of customers the best offers "
                 "under budgets; report the effect."),
    "decide": ("nba.cli.decide:command", "Ask for the best offer for one customer and print "
               "the reply as JSON."),
    "demo": ("nba.cli.demo:command", "Start an embedded service, load sample offers, drive it "
             "over HTTP, summarise learning."),
    "evaluate": ("nba.cli.evaluate:evaluate", "Estimate each --policy's value on LOG (.parquet, "
                 ".csv, or VW .dsjson) vs the logging one."),
    "export": ("nba.cli.export:command", "Write the decision log to --out PATH (.parquet or "
               ".csv) or to stdout (CSV)."),
    "keys": ("nba.cli.keys:command", "Manage API keys (the secret is printed once, as the last "
             "line)."),
    "loops": ("nba.cli.loops:command", "Personalizer learning loops: create them, give them "
              "keys, move their logs."),
    "models": ("nba.cli.models:command", "List, activate (roll back), pin, train and compare "
               "model versions."),
    "offers": ("nba.cli.offers:command", "Add, edit, pause and retire offers; read their "
               "stats."),
    "serve": ("nba.cli.serve:command", "Serve the HTTP API."),
    "suppression": ("nba.cli.suppression:command", "Customers who must not be contacted: "
                    "decisions give them `no_action` only."),
    "simulate": ("nba.cli.simulate:simulate", "Run policies on the same simulated customers for "
                 "several seeds and write a report."),
    "uplift": ("nba.cli.uplift:command", "Which offers save customers: uplift over no_action "
               "per offer and churn band, off-policy."),
    "worker": ("nba.cli.worker:command", "Run the scheduled jobs; several workers may run, one "
               "trains at a time (database lease)."),
}  # fmt: skip
"""name -> ("module:attribute" of the click command, its summary in `nba --help`)."""

SERVICES = frozenset({"serve", "worker"})
"""Long-running commands: they log INFO (start, training, jobs) unless told otherwise."""


class _Nba(click.Group):
    """The `nba` group: loads a command when it is used, and maps nba's errors for it.

    Each command's errors are mapped by `_common.map_errors` (exit codes `EXIT_CODES`) as it
    loads, so no command can miss it. A command whose import fails says so loudly: it is never
    dropped from the list.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(load_command(cmd_name), cmd_name)
        return self.commands.get(cmd_name)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        from nba.cli._common import map_errors

        map_errors(cmd)
        super().add_command(cmd, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # From the summaries, so that `nba --help` imports no command.
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, _summary(self, name).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _summary(group: click.Group, name: str) -> click.Command:
    """The command itself if loaded, else a stand-in carrying its summary."""
    if name in group.commands:
        return group.commands[name]
    return click.Command(name, help=COMMANDS[name][1])


def load_command(name: str) -> click.Command:
    """Import the command `name` of `COMMANDS`."""
    module_name, _, attribute = COMMANDS[name][0].partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{COMMANDS[name][0]} is not a click command")
    return command


@click.group(cls=_Nba, epilog=EXIT_HELP)
@click.version_option(package_name="nba")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More log lines: -v INFO, -vv DEBUG (default WARNING; INFO for serve and worker).",
)
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """nba: next-best-action optimizer for customer retention."""
    from pydantic import ValidationError

    from nba.config import load_settings
    from nba.errors import InvalidSetting
    from nba.logs import configure_logging

    try:
        settings = load_settings()
    except (InvalidSetting, ValidationError, OSError):
        settings = None  # the command reads the settings again and reports the problem
    configure_logging(settings, level=log_level(verbose, ctx.invoked_subcommand))


def log_level(verbose: int, command: str | None) -> int:
    """The root log level for `-v` given `verbose` times before `command`."""
    if verbose >= 2:
        return logging.DEBUG
    if verbose == 1 or command in SERVICES:
        return logging.INFO
    return logging.WARNING
