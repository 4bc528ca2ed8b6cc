"""`nba keys create|list|revoke`."""

from __future__ import annotations

from datetime import timedelta

import click

from nba.cli._common import database_options, open_database, settings_from
from nba.clock import utc_now
from nba.domain import KEY_ROLES, Actor
from nba.serving.keys import KeyRing


@click.group("keys")
def command() -> None:
    """Manage API keys (the secret is printed once, as the last line)."""


@command.command("create")
@click.option("--role", type=click.Choice(KEY_ROLES), required=True)
@click.option("--name", default="", help="A label, e.g. the system that uses the key.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(min=1, max=36_500),
    default=None,
    help="The key stops working this many days from now (default: never).",
)
@database_options
def create(
    role: str,
    name: str,
    expires_in_days: int | None,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Create a key for ROLE and print it."""
    expires_at = None if expires_in_days is None else utc_now() + timedelta(days=expires_in_days)
    database = open_database(settings_from(database_url, data_dir))
    try:
        key, secret = KeyRing(database).create(role, name, expires_at=expires_at, actor=Actor.cli())
    finally:
        database.dispose()
    until = "" if key.expires_at is None else f" (expires {key.expires_at.isoformat()})"
    click.echo(
        f"created {role} key {key.id}{until}; store it now, it is not shown again:", err=True
    )
    click.echo(secret)


@command.command("list")
@database_options
def list_keys(database_url: str | None, data_dir: str | None) -> None:
    """List keys (id, role, state, name, expiry; never secrets), tab-separated."""
    database = open_database(settings_from(database_url, data_dir))
    now = utc_now()
    try:
        for key in KeyRing(database).list():
            state = "revoked" if key.is_revoked else "expired" if key.has_expired(now) else "active"
            expires = "-" if key.expires_at is None else key.expires_at.isoformat()
            click.echo(f"{key.id}\t{key.role}\t{state}\t{key.name}\t{expires}")
    finally:
        database.dispose()


@command.command("revoke")
@click.argument("key_id")
@database_options
def revoke(key_id: str, database_url: str | None, data_dir: str | None) -> None:
    """Revoke the key KEY_ID."""
    database = open_database(settings_from(database_url, data_dir))
    try:
        KeyRing(database).revoke(key_id, actor=Actor.cli())
    finally:
        database.dispose()
    click.echo(f"revoked {key_id}")
