"""`nba keys create|list|revoke`."""

from __future__ import annotations

import click

from nba.cli._common import database_options, open_database, settings_from
from nba.domain import ROLES
from nba.serving.keys import KeyRing


@click.group("keys")
def command() -> None:
    """Manage API keys (the secret is printed once, as the last line)."""


@command.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default="", help="A label, e.g. the system that uses the key.")
@database_options
def create(role: str, name: str, database_url: str | None, data_dir: str | None) -> None:
    """Create a key for ROLE and print it."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        key, secret = KeyRing(database).create(role, name)
    finally:
        database.dispose()
    click.echo(f"created {role} key {key.id}; store it now, it is not shown again:", err=True)
    click.echo(secret)


@command.command("list")
@database_options
def list_keys(database_url: str | None, data_dir: str | None) -> None:
    """List keys (ids and roles, never secrets)."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        for key in KeyRing(database).list():
            state = "revoked" if key.is_revoked else "active"
            click.echo(f"{key.id}\t{key.role}\t{state}\t{key.name}")
    finally:
        database.dispose()


@command.command("revoke")
@click.argument("key_id")
@database_options
def revoke(key_id: str, database_url: str | None, data_dir: str | None) -> None:
    """Revoke the key KEY_ID."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        KeyRing(database).revoke(key_id)
    finally:
        database.dispose()
    click.echo(f"revoked {key_id}")
