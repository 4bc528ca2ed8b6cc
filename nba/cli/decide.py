"""`nba decide`: one decision from the command line, logged like any other."""

from __future__ import annotations

import json

import click

from nba.cli._common import database_options, echo_json, open_runtime, settings_from
from nba.schemas import DecisionBody, decision_reply, decision_request, parse


@click.command("decide")
@click.option("--customer", "customer_id", required=True, help="Customer id.")
@click.option("--churn", "churn_score", type=float, default=None, help="Churn score in [0, 1].")
@click.option(
    "--signals",
    "signals_json",
    default=None,
    help="Raw signals as a JSON object, instead of --churn (README 'Health score').",
)
@click.option("--context", "context_json", default="{}", help="Context as a JSON object.")
@click.option("--channel", default=None)
@click.option("--explain", is_flag=True, help="Show the features behind the chosen offer.")
@database_options
def command(
    customer_id: str,
    churn_score: float | None,
    signals_json: str | None,
    context_json: str,
    channel: str | None,
    explain: bool,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Ask for the best offer for one customer and print the reply as JSON."""
    body = {
        "customer_id": customer_id,
        "churn_score": churn_score,
        "context": _json(context_json, "--context"),
        "channel": channel,
        "explain": explain,
    }
    if signals_json is not None:
        body["signals"] = _json(signals_json, "--signals")
    parsed = parse(DecisionBody, body)
    runtime = open_runtime(settings_from(database_url, data_dir))
    try:
        request = decision_request(parsed, runtime.health_weights)
        echo_json(decision_reply(runtime.decider.decide(request)))
    finally:
        runtime.database.dispose()


def _json(text: str, option: str) -> object:
    try:
        return json.loads(text)
    except ValueError as error:
        raise click.BadParameter(f"not JSON: {error}", param_hint=option) from None
