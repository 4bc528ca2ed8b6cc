"""`nba offers add|list|show|edit|pause|resume|retire`: the catalog from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from nba.cli._common import database_options, echo_json, open_database, settings_from
from nba.domain import CATEGORIES, Actor, Offer
from nba.schemas import offer_reply
from nba.serving.catalog import OfferCatalog


@click.group("offers")
def command() -> None:
    """Add, edit, pause and retire offers."""


def _catalog(database_url: str | None, data_dir: str | None) -> OfferCatalog:
    database = open_database(settings_from(database_url, data_dir))
    catalog = OfferCatalog(database)
    catalog.ensure_no_action()
    return catalog


def read_specs(path: str) -> list[dict]:
    """Offer specs from a JSON or YAML file holding one offer or a list of them."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    if isinstance(data, dict) and "offers" in data:
        data = data["offers"]
    return data if isinstance(data, list) else [data]


def _line(offer: Offer) -> str:
    return (
        f"{offer.id}\tv{offer.version}\t{offer.status}\t{offer.category}\t"
        f"cost={offer.cost:g}\t{offer.name}"
    )


@command.command("add")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    help="JSON or YAML file with one offer or a list.",
)
@click.option("--id", "offer_id", help="Offer id (a slug).")
@click.option("--name")
@click.option("--category", type=click.Choice(CATEGORIES))
@click.option("--cost", type=float, default=0.0, show_default=True)
@click.option("--value", type=float, default=None)
@click.option("--description", default="")
@click.option(
    "--feature",
    "features",
    multiple=True,
    metavar="KEY=VALUE",
    help="A learner feature; numbers stay numbers.",
)
@click.option("--churn-min", type=float, default=0.0, show_default=True)
@click.option("--churn-max", type=float, default=1.0, show_default=True)
@database_options
def add(
    path: str | None,
    offer_id: str | None,
    name: str | None,
    category: str | None,
    cost: float,
    value: float | None,
    description: str,
    features: tuple[str, ...],
    churn_min: float,
    churn_max: float,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Add offers from a file or from flags."""
    if path:
        specs = read_specs(path)
    else:
        if not (offer_id and name and category):
            raise click.UsageError("give --file, or --id, --name and --category")
        specs = [
            {
                "id": offer_id,
                "name": name,
                "category": category,
                "cost": cost,
                "value": value,
                "description": description,
                "features": dict(_pair(f) for f in features),
                "eligibility": {"churn_min": churn_min, "churn_max": churn_max},
            }
        ]
    catalog = _catalog(database_url, data_dir)
    for spec in specs:
        click.echo(_line(catalog.add(spec, actor=Actor.cli())))


@command.command("list")
@click.option("--status", type=click.Choice(["active", "paused", "retired"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_options
def list_offers(
    status: str | None, as_json: bool, database_url: str | None, data_dir: str | None
) -> None:
    """List offers at their latest version."""
    found = _catalog(database_url, data_dir).list(status)
    if as_json:
        echo_json([offer_reply(o) for o in found])
    else:
        for offer in found:
            click.echo(_line(offer))


@command.command("show")
@click.argument("offer_id")
@click.option("--version", type=int, default=None)
@database_options
def show(
    offer_id: str, version: int | None, database_url: str | None, data_dir: str | None
) -> None:
    """Show one offer as JSON."""
    echo_json(offer_reply(_catalog(database_url, data_dir).get(offer_id, version)))


@command.command("edit")
@click.argument("offer_id")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    help="JSON or YAML file with the fields to change.",
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    help="A top-level field, VALUE parsed as JSON when it can be.",
)
@database_options
def edit(
    offer_id: str,
    path: str | None,
    assignments: tuple[str, ...],
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Change an offer (a new version)."""
    changes: dict = read_specs(path)[0] if path else {}
    for assignment in assignments:
        key, value = _pair(assignment, parse_json=True)
        changes[key] = value
    catalog = _catalog(database_url, data_dir)
    click.echo(_line(catalog.edit(offer_id, changes, actor=Actor.cli())))


def _status_command(name: str, status: str, summary: str) -> None:
    @command.command(name, help=summary)
    @click.argument("offer_id")
    @database_options
    def run(offer_id: str, database_url: str | None, data_dir: str | None) -> None:
        catalog = _catalog(database_url, data_dir)
        click.echo(_line(catalog.set_status(offer_id, status, actor=Actor.cli())))


_status_command("pause", "paused", "Pause an offer (not shown until resumed).")
_status_command("resume", "active", "Make a paused offer active again.")
_status_command("retire", "retired", "Retire an offer for good (its history stays).")


def _pair(text: str, parse_json: bool = False) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"expected KEY=VALUE, got {text!r}")
    if parse_json:
        try:
            return key, json.loads(raw)
        except ValueError:
            return key, raw
    try:
        return key, float(raw) if "." in raw or "e" in raw.lower() else int(raw)
    except ValueError:
        return key, raw
