"""`nba bench`: speed benchmarks of the decision loop."""

from __future__ import annotations

import click


@click.group(name="bench")
def command() -> None:
    """Speed benchmarks of the decision loop."""
