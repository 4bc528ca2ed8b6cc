"""`nba simulate --catalog`: a proposed offer catalogue against the current one, before launch."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
from tqdm import tqdm

from simulator import proposal
from simulator.scenarios import Stationary
from simulator.what_if import what_if
from simulator.what_if_report import table_text, write_html, write_json


def what_if_command(
    catalog: Path,
    current: Path | None,
    *,
    steps: int,
    seeds: int,
    population: int | None,
    steps_per_day: float | None,
    reward: str,
    json_path: Path | None,
    html_path: Path | None,
) -> None:
    """Run the what-if, print its table, write JSON/HTML when asked (their paths last)."""
    base = proposal.read_catalogue(current) if current is not None else proposal.default_catalogue()
    proposed = proposal.read_catalogue(catalog, base)
    scenario = Stationary()
    if population is not None:
        scenario = dataclasses.replace(scenario, population_size=population)
    if steps_per_day is not None:  # fatigue fades by days
        scenario = dataclasses.replace(scenario, steps_per_day=steps_per_day)
    with tqdm(total=2 * steps * seeds, desc="what-if", unit="dec", leave=False) as bar:
        result = what_if(
            base, proposed, steps=steps, seeds=seeds, scenario=scenario, reward_mode=reward,
            progress=bar.update,
        )  # fmt: skip
    click.echo(table_text(result), nl=False)
    if json_path is not None:
        click.echo(str(write_json(result, json_path)))
    if html_path is not None:
        click.echo(str(write_html(result, html_path)))
