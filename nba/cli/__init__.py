"""The `nba` command line: a composition root with one group or command per noun."""

from __future__ import annotations

import logging

import click

from nba.cli import bench, decide, export, keys, models, offers, serve, worker


@click.group()
@click.version_option(package_name="nba")
@click.option("-v", "--verbose", is_flag=True, help="Log at DEBUG level.")
def main(verbose: bool) -> None:
    """nba: next-best-action optimizer for customer retention."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("vowpal_wabbit_next.driver").setLevel(logging.WARNING)
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


for _module in (serve, keys, offers, decide, models, export, bench, worker):
    main.add_command(_module.command)

try:  # the simulator and the evaluator bring their own commands
    from nba.cli.simulate import simulate

    main.add_command(simulate)
except ImportError:  # pragma: no cover
    pass
try:
    from nba.cli.evaluate import evaluate

    main.add_command(evaluate)
except ImportError:  # pragma: no cover
    pass
try:
    from nba.cli.demo import command as demo_command

    main.add_command(demo_command)
except ImportError:  # pragma: no cover
    pass
