"""`nba suppression import|add|list|remove`: customers who must not be contacted, and
`nba contact-policy show|set`: the contact policy (window limits, cool-downs, quiet hours)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from nba.cli._common import database_options, echo_json, open_database, settings_from
from nba.domain import Actor
from nba.serving.contacts import MAX_PAGE, ContactPolicies

T = TypeVar("T")


def _with_policies(
    database_url: str | None, data_dir: str | None, work: Callable[[ContactPolicies], T]
) -> T:
    database = open_database(settings_from(database_url, data_dir))
    try:
        return work(ContactPolicies(database))
    finally:
        database.dispose()


@click.group("suppression")
def command() -> None:
    """Customers who must not be contacted: decisions give them `no_action` only."""


@command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_options
def import_file(path: Path, database_url: str | None, data_dir: str | None) -> None:
    """Suppress every customer of a CSV file with a header of customer_id, reason, expires_at
    (customer_id required; expires_at an ISO time). A bad row stops the import: nothing is
    written."""
    with path.open(newline="", encoding="utf-8-sig") as lines:
        added, replaced = _with_policies(
            database_url,
            data_dir,
            lambda p: p.import_csv(lines, source=path.name, actor=Actor.cli()),
        )
    click.echo(f"{added} added, {replaced} replaced")


@command.command("add")
@click.argument("customer_id")
@click.option("--reason", default="")
@click.option("--expires-at", default=None, help="ISO-8601 time the suppression ends.")
@database_options
def add(
    customer_id: str,
    reason: str,
    expires_at: str | None,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Suppress one customer."""
    spec: dict[str, object] = {"customer_id": customer_id, "reason": reason}
    if expires_at:
        spec["expires_at"] = expires_at
    entry = _with_policies(database_url, data_dir, lambda p: p.suppress(spec, actor=Actor.cli()))
    click.echo(entry.customer_id)


@command.command("list")
@click.option("--after", default=None, help="List the customers after this id.")
@click.option("--limit", type=click.IntRange(1, MAX_PAGE), default=100, show_default=True)
@database_options
def list_entries(
    after: str | None, limit: int, database_url: str | None, data_dir: str | None
) -> None:
    """Print customer id, added at, added by, expires at, reason (tab-separated)."""
    page, total = _with_policies(
        database_url, data_dir, lambda p: p.suppressions(after=after, limit=limit)
    )
    for e in page:
        expires = e.expires_at.isoformat() if e.expires_at else ""
        fields = (e.customer_id, e.added_at.isoformat(), e.added_by, expires, e.reason)
        click.echo("\t".join(fields))
    click.echo(f"{len(page)} of {total} suppressed customers", err=True)


@command.command("remove")
@click.argument("customer_id")
@database_options
def remove(customer_id: str, database_url: str | None, data_dir: str | None) -> None:
    """Take a customer off the list (exit 3 if not on it)."""
    _with_policies(database_url, data_dir, lambda p: p.unsuppress(customer_id, actor=Actor.cli()))
    click.echo(customer_id)


@click.group("contact-policy")
def policy_command() -> None:
    """The contact policy: window limits, decline cool-downs, quiet hours."""


@policy_command.command("show")
@database_options
def show(database_url: str | None, data_dir: str | None) -> None:
    """Print the policy in force as JSON (the body of PUT /v1/contact-policy)."""
    from nba.schemas.contacts import contact_policy_reply

    echo_json(contact_policy_reply(_with_policies(database_url, data_dir, lambda p: p.policy())))


@policy_command.command("set")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@database_options
def set_policy(path: str, database_url: str | None, data_dir: str | None) -> None:
    """Replace the policy with the JSON or YAML document in PATH; print it."""
    import yaml

    from nba.schemas.contacts import contact_policy_reply

    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))  # JSON is YAML too
    if not isinstance(document, dict):
        raise click.BadParameter("must hold one JSON or YAML object", param_hint="PATH")
    policy = _with_policies(
        database_url, data_dir, lambda p: p.set_policy(document, actor=Actor.cli())
    )
    echo_json(contact_policy_reply(policy))
