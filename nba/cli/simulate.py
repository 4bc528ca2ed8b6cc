"""`nba simulate`: several policies side by side on a simulated customer stream."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from nba.cli.what_if import what_if_command
from nba.config import RewardMode
from simulator import lineup, report, runner
from simulator import scenarios as scenario_lib


@click.command("simulate")
@click.option(
    "--scenario",
    type=click.Choice(sorted(scenario_lib.SCENARIOS)),
    default="stationary",
    show_default=True,
    help="Built-in scenario.",
)
@click.option(
    "--policies",
    "policy_names",
    default="vw-epsilon,vw-squarecb,rules,random",
    show_default=True,
    help="Comma-separated policy names (nba's registry, rules-best, oracle, mabwiser-*).",
)
@click.option("--steps", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("simulation"),
    show_default=True,
    help="Directory for results, logs, plots and summary.md.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True
)
@click.option(
    "--reward",
    type=click.Choice([mode.value for mode in RewardMode]),
    default=None,
    help="What the policies learn; retention_value also reports net value per decision "
    "(default acceptance; retention_value with --catalog).",
)
@click.option(
    "--reward-scale",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Reward scale (default 100; 2500 under retention_value, about a customer's value).",
)
@click.option("--population", type=click.IntRange(min=10), default=None, help="Customers.")
@click.option(
    "--steps-per-day",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Decisions per simulated day (default 1000); retention answers take 30-90 days.",
)
@click.option(
    "--last", type=click.IntRange(min=1), default=10_000, show_default=True, help="Summary window."
)
@click.option("--learn-batch", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--logs/--no-logs", default=True, show_default=True, help="Write decision logs.")
@click.option(
    "--catalog",
    "catalog",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="What-if: a proposed offer catalogue (YAML/JSON, README 'What-if runs') run against "
    "the current one on the same customers; prints the change in accepts, cost and value "
    "(reads --steps, --seeds, --population, --steps-per-day, --reward).",
)
@click.option(
    "--current",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="With --catalog: the current catalogue as changes to the simulator's (default: it).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --catalog: also write the result as JSON here.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --catalog: also write an HTML report with charts here.",
)
def simulate(
    scenario: str,
    policy_names: str,
    steps: int,
    seeds: int,
    out: Path,
    fmt: str,
    reward: str | None,
    reward_scale: float | None,
    population: int | None,
    steps_per_day: float | None,
    last: int,
    learn_batch: int,
    logs: bool,
    catalog: Path | None,
    current: Path | None,
    json_path: Path | None,
    html_path: Path | None,
) -> None:
    """Run policies on the same simulated customers for several seeds and write a report.

    With --catalog, a what-if run instead: the proposed catalogue against the current one.
    """
    if catalog is not None:
        if scenario != "stationary":
            raise click.BadParameter(
                "a what-if run is on the stationary world", param_hint="--scenario"
            )
        what_if_command(
            catalog, current, steps=steps, seeds=seeds, population=population,
            steps_per_day=steps_per_day, reward=reward or RewardMode.RETENTION_VALUE.value,
            json_path=json_path, html_path=html_path,
        )  # fmt: skip
        return
    reward = reward or RewardMode.ACCEPTANCE.value
    names = [n.strip() for n in policy_names.split(",") if n.strip()]
    if not names:
        raise click.BadParameter("name at least one policy", param_hint="--policies")
    try:
        factories = lineup.factories(names, reward)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--policies") from error
    world = scenario_lib.get(scenario, population_size=population, steps_per_day=steps_per_day)
    total = steps * seeds * len(factories)
    with tqdm(total=total, desc=f"simulate {scenario}", unit="dec", leave=False) as bar:
        results = runner.compare(
            world,
            factories,
            steps,
            seeds,
            reward_mode=RewardMode(reward),
            reward_scale=reward_scale,
            learn_batch=learn_batch,
            progress=bar.update,
        )
    share = getattr(world, "new_offer", None)
    report.write_report(
        results,
        out,
        fmt=fmt,
        last=min(last, steps),
        share_offer=share.id if share is not None else None,
        logs=logs,
    )
    click.echo(report.summary_markdown(results, min(last, steps)), nl=False)
    click.echo(str(out))
