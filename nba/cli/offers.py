"""`nba offers add|list|show|edit|pause|resume|retire|stats`: the catalog from the command line."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from nba.cli._common import database_options, echo_json, open_database, settings_from
from nba.domain import CATEGORIES, Actor, Offer

if TYPE_CHECKING:
    from nba.schemas.offers import RateReply
    from nba.serving.catalog import OfferCatalog

EDITABLE = ("name", "description", "category", "cost", "value", "features", "eligibility",
            "caps", "starts_at", "ends_at", "status")  # fmt: skip
"""The fields `nba offers edit --set` changes: those of `nba.schemas.OfferPatch`."""
NESTED = ("features", "eligibility", "caps")
"""The fields whose own fields `--set FIELD.NAME=VALUE` changes, keeping the others."""
SET_EXAMPLES = ("caps.max_per_customer=2", "eligibility.churn_min=0.3", "features.discount_pct=15")


@click.group("offers")
def command() -> None:
    """Add, edit, pause and retire offers; read their stats."""


def _catalog(database_url: str | None, data_dir: str | None) -> OfferCatalog:
    from nba.serving.catalog import OfferCatalog

    database = open_database(settings_from(database_url, data_dir))
    catalog = OfferCatalog(database)
    catalog.ensure_no_action()
    return catalog


def read_specs(path: str) -> list[dict]:
    """Offer specs from a JSON or YAML file holding one offer or a list of them."""
    import yaml

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
@click.option(
    "--expression",
    default=None,
    help="An eligibility expression, e.g. \"tenure_months >= 24 and plan in ['gold']\".",
)
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
    expression: str | None,
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
                "eligibility": {
                    "churn_min": churn_min,
                    "churn_max": churn_max,
                    "expression": expression,
                },
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
    from nba.schemas import offer_reply

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
    from nba.schemas import offer_reply

    echo_json(offer_reply(_catalog(database_url, data_dir).get(offer_id, version)))


@command.command("stats")
@click.argument("offer_id")
@click.option("--from", "start", default=None, help="ISO time, inclusive (default: the first).")
@click.option("--to", "end", default=None, help="ISO time, exclusive (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print GET /v1/offers/{id}/stats' JSON.")
@database_options
def stats(
    offer_id: str,
    start: str | None,
    end: str | None,
    as_json: bool,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """How an offer performs: shows, accepts, acceptance rate (95% interval), by band, by day.

    The figures of GET /v1/offers/{id}/stats over the decisions that chose the offer in
    [--from, --to): shows (decisions that chose it), answered (those with an outcome), accepts,
    and the acceptance rate accepts / answered with its Wilson 95% interval; overall, by churn
    band (low < 0.3 <= medium < 0.6 <= high) and by day (UTC).
    """
    from nba.clock import parse_time
    from nba.evaluation.stats import offer_stats
    from nba.schemas.offers import StatsReply

    database = open_database(settings_from(database_url, data_dir))
    try:
        found = offer_stats(
            database,
            offer_id,
            start=parse_time(start, "from") if start else None,
            end=parse_time(end, "to") if end else None,
        )
    finally:
        database.dispose()
    reply = StatsReply.of(found)
    if as_json:
        echo_json(reply.model_dump(mode="json"))
        return
    window = f"from {start or 'the first decision'} to {end or 'now'}"
    click.echo(f"offer {offer_id}, decisions {window}")
    click.echo(f"{'':<14} {'shows':>7} {'answered':>8} {'accepts':>7} {'rate':>6}  95% interval")
    rows = [("overall", reply.overall)]
    rows += [(f"churn {band}", rate) for band, rate in reply.by_churn_band.items()]
    rows += list(reply.by_day.items())
    for label, rate in rows:
        click.echo(_stats_row(label, rate))
    for budget in reply.budgets:
        period = "today" if budget.period == "day" else "total"
        click.echo(
            f"budget {budget.unit} {period}: {budget.consumed:g} consumed + {budget.reserved:g} "
            f"reserved of {budget.limit:g} ({budget.remaining:g} left)"
        )
    click.echo(
        "shows: decisions that chose the offer; answered: those with an outcome; rate: accepts "
        "/ answered, with its 95% interval (Wilson); '-': no outcome yet",
        err=True,
    )


def _stats_row(label: str, rate: RateReply) -> str:
    figures = f"{'-':>6}  -"
    if rate.rate is not None and rate.ci_low is not None and rate.ci_high is not None:
        figures = f"{rate.rate:6.3f}  [{rate.ci_low:.3f}, {rate.ci_high:.3f}]"
    return f"{label:<14} {rate.shows:>7} {rate.answered:>8} {rate.accepts:>7} {figures}"


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
    help=f"A field ({', '.join(EDITABLE)}), or one field of {', '.join(NESTED)} "
    f"(--set {SET_EXAMPLES[0]}); VALUE parsed as JSON when it can be. Repeatable.",
)
@database_options
def edit(
    offer_id: str,
    path: str | None,
    assignments: tuple[str, ...],
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Change an offer (a new version).

    `--set caps.max_per_customer=2` changes that one cap and keeps the offer's other caps
    (likewise for `eligibility.*` and `features.*`); `--set caps='{...}'` replaces them all.
    """
    from nba.schemas import offer_reply

    pairs = [_pair(assignment, parse_json=True) for assignment in assignments]
    for key, _ in pairs:
        _check_editable(key)
    catalog = _catalog(database_url, data_dir)
    changes: dict = read_specs(path)[0] if path else {}
    nested = {key.partition(".")[0] for key, _ in pairs if "." in key}
    if nested:
        current = offer_reply(catalog.get(offer_id))
        for top in nested:
            changes.setdefault(top, current[top])  # the file's value, else the offer's own
    for key, value in pairs:
        top, dot, name = key.partition(".")
        if not dot:
            changes[top] = value
        elif isinstance(changes[top], dict):
            changes[top] = {**changes[top], name: value}
        else:
            problem = f"{top} is not an object: cannot set {key}"
            raise click.BadParameter(problem, param_hint="--set")
    click.echo(_line(catalog.edit(offer_id, changes, actor=Actor.cli())))


def _check_editable(key: str) -> None:
    """Refuse a `--set` key that names no editable field, listing those that are."""
    top, dot, name = key.partition(".")
    if top in EDITABLE and (not dot or (top in NESTED and name)):
        return
    if top in EDITABLE:
        problem = f"{top} has no fields of its own: set it whole, --set {top}=VALUE"
    else:
        close = difflib.get_close_matches(top, EDITABLE, n=1)
        problem = f"{top}: unknown field" + (f" (did you mean {close[0]!r}?)" if close else "")
    examples = ", ".join(f"--set {example}" for example in SET_EXAMPLES)
    raise click.BadParameter(
        f"{problem}. Editable fields: {', '.join(EDITABLE)}; set one field of "
        f"{', '.join(NESTED)} with a dot: {examples}.",
        param_hint="--set",
    )


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
