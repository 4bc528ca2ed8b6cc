"""`nba models list|activate|train`: the model registry."""

from __future__ import annotations

import click

from nba.cli._common import database_options, nba_errors, open_runtime, settings_from


@click.group("models")
def command() -> None:
    """List, activate (roll back) and train model versions."""


@command.command("list")
@database_options
@nba_errors
def list_models(database_url: str | None, data_dir: str | None) -> None:
    """List model versions, newest first."""
    runtime = open_runtime(settings_from(database_url, data_dir))
    try:
        for m in runtime.models.list():
            flags = ("active " if m.is_active else "") + ("pinned" if m.is_pinned else "")
            mark = m.watermark.isoformat() if m.watermark else "-"
            click.echo(
                f"{m.version}\t{m.policy}\t{m.created_at:%Y-%m-%d %H:%M:%S}\t{mark}\t{flags}"
            )
    finally:
        runtime.database.dispose()


@command.command("activate")
@click.argument("version", type=int)
@database_options
@nba_errors
def activate(version: int, database_url: str | None, data_dir: str | None) -> None:
    """Make VERSION the active model (running services pick it up on restart)."""
    runtime = open_runtime(settings_from(database_url, data_dir))
    try:
        runtime.models.activate(version)
    finally:
        runtime.database.dispose()
    click.echo(f"activated model version {version}")


@command.command("train")
@database_options
@nba_errors
def train(database_url: str | None, data_dir: str | None) -> None:
    """Learn every outcome past the active model's watermark and save a new version."""
    runtime = open_runtime(settings_from(database_url, data_dir))
    try:
        saved = runtime.models.train()
    finally:
        runtime.database.dispose()
    click.echo(f"saved model version {saved.version}")
