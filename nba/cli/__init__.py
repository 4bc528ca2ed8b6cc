"""The `nba` command line: a composition root with one group or command per noun."""

from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="nba")
def main() -> None:
    """nba: next-best-action optimizer for customer retention."""
