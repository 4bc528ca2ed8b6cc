"""`nba campaign run|report`: batch campaigns (the response engine) and their effect."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Never

import click

from nba.cli._common import database_options, echo_json, open_database, settings_from

if TYPE_CHECKING:
    from tqdm import tqdm

    from nba.campaigns import Engine


@click.group("campaign")
def command() -> None:
    """Assign a file of customers the best offers under budgets; report the effect."""


@command.command("run")
@click.argument("input_path", metavar="IN", type=click.Path(dir_okay=False))
@click.option(
    "--offers",
    required=True,
    help="Comma-separated offer ids (no_action is added, and any offer a budget names).",
)
@click.option(
    "--budget",
    "budgets",
    multiple=True,
    metavar="OFFER=ACCEPTS",
    help="Cap on an offer's expected accepts, repeatable.",
)
@click.option(
    "--spend",
    multiple=True,
    metavar="OFFER=MONEY",
    help="Cap on an offer's expected spend (cost per accept x accepts), repeatable.",
)
@click.option(
    "--holdout", type=float, default=0.05, show_default=True, help="Share kept out at random."
)
@click.option(
    "--exploration",
    type=float,
    default=0.05,
    show_default=True,
    help="Share of treated customers given a random eligible offer (for evaluation).",
)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="Output .parquet or .csv."
)
@click.option(
    "--bad-rows",
    type=click.Choice(["refuse", "skip"]),
    default="refuse",
    show_default=True,
    help="A bad row stops the campaign before anything is written, or is left out (listed).",
)
@click.option(
    "--channel",
    default=None,
    help="Channel the customers are contacted on (its contact limits and quiet hours apply).",
)
@click.option(
    "--send-at",
    default=None,
    metavar="TIME",
    help="When the customers are contacted, ISO 8601 (default: now); the contact policy is "
    "read at that time, and a channel in quiet hours then is refused.",
)
@click.option("--seed", type=int, default=None, help="Seed of every draw (default: new).")
@click.option("--batch-size", type=click.IntRange(min=1), default=20_000, show_default=True)
@click.option(
    "--sample-size",
    type=click.IntRange(min=1),
    default=200_000,
    show_default=True,
    help="Customers the prices are solved on (all of them when fewer).",
)
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="With --engine local: worker processes that score and assign batches while this "
    "one logs them (default: one per core; 1 runs everything in this process).",
)
@click.option(
    "--scheduler",
    default="local",
    show_default=True,
    help="With --engine dask: tcp://HOST:PORT of a Dask scheduler, or local (a LocalCluster).",
)
@database_options
def run(
    input_path: str,
    offers: str,
    budgets: tuple[str, ...],
    spend: tuple[str, ...],
    holdout: float,
    exploration: float,
    out: str,
    bad_rows: str,
    channel: str | None,
    send_at: str | None,
    seed: int | None,
    batch_size: int,
    sample_size: int,
    engine: str,
    workers: int | None,
    scheduler: str,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Assign each customer of IN (.parquet or .csv) the offer of highest expected reward
    under the budgets; log each assignment as a decision tagged with the campaign.

    IN has `customer_id`, `churn_score` and context columns. The contact policy applies
    (suppression list, window limits, cool-downs, quiet hours). Rerun the same command after
    a crash to continue: no customer is assigned twice. Prints per offer the expected
    accepts, budget use and shadow price; the last line is the campaign id.
    """
    import numpy as np

    from nba.campaigns import CampaignRunner, CampaignSpec, parse_limits
    from nba.campaigns.spec import with_budgeted
    from nba.clock import parse_time

    caps, money = parse_limits(budgets, "budget"), parse_limits(spend, "spend")
    named = tuple(dict.fromkeys(o.strip() for o in offers.split(",") if o.strip()))
    spec = CampaignSpec(
        input=input_path,
        out=out,
        offers=with_budgeted(named, caps, money),
        seed=int(np.random.default_rng().integers(2**31)) if seed is None else seed,
        budgets=caps,
        spend=money,
        holdout=holdout,
        exploration=exploration,
        bad_rows="skip" if bad_rows == "skip" else "refuse",
        channel=channel,
        batch_size=batch_size,
        sample_size=sample_size,
        send_at=None if send_at is None else parse_time(send_at, "send_at"),
    )
    settings = settings_from(database_url, data_dir)
    database = open_database(settings)
    try:
        runner = CampaignRunner(database, settings)
        campaign = runner.create(spec)
        if campaign.rows_done or campaign.plan is not None:
            click.echo(f"continuing campaign {campaign.id}", err=True)
        with _Bars() as bars, _engine(engine, scheduler, workers) as chosen:
            done = runner.run(campaign.id, engine=chosen, progress=bars.advance)
    finally:
        database.dispose()
    summary = done.summary
    click.echo(_offers_table(summary))
    click.echo(
        f"{summary['assigned']} customers assigned ({summary['holdout']} held out, "
        f"{summary['explored']} explored, {summary['bad_rows']} bad rows) -> {summary['out']}",
        err=True,
    )
    click.echo(contact_rules_line(summary), err=True)
    click.echo(done.id)


@command.command("report")
@click.argument("campaign_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@database_options
def report(campaign_id: str, as_json: bool, database_url: str | None, data_dir: str | None) -> None:
    """Budget use and shadow price per offer, and the campaign's effect over its holdout
    (acceptance and retention, 95% intervals) once outcomes arrive."""
    import numpy as np

    from nba.campaigns.jobs import CampaignJobs

    settings = settings_from(database_url, data_dir)
    database = open_database(settings)
    try:
        data = CampaignJobs(database, settings, np.random.default_rng()).report(campaign_id)
    finally:
        database.dispose()
    if as_json:
        echo_json(data)
        return
    click.echo(report_text(data))


def report_text(data: dict[str, object]) -> str:
    """The report as a few lines of text."""
    lines = [f"campaign {data['campaign_id']} ({data['status']})"]
    summary = {"offers": data["offers"]}
    lines.append(_offers_table(summary, observed=True))
    lines.append(contact_rules_line(data))
    arms = data["arms"]
    effect = data["effect"]
    assert isinstance(arms, dict) and isinstance(effect, dict)
    lines.append(f"{'arm':<10} {'customers':>9} {'answered':>8} {'accepts':>7} "
                 f"{'retention':>9} {'retained':>8}")  # fmt: skip
    for name in ("treated", "holdout"):
        a = arms[name]
        lines.append(
            f"{name:<10} {a['customers']:>9} {a['answered']:>8} {a['accepts']:>7} "
            f"{a['retention_answered']:>9} {a['retained']:>8}"
        )
    for key, label in (
        ("accept_rate", "accept rate, treated - holdout"),
        ("retention_rate", "retention rate, treated - holdout"),
        ("incremental_retained", "customers retained by the campaign"),
    ):
        e = effect[key]
        if e["difference"] is None:
            lines.append(f"{label}: no answers in both arms yet")
        else:
            lines.append(
                f"{label}: {e['difference']:.4g} [{e['ci_low']:.4g}, {e['ci_high']:.4g}] (95%)"
            )
    return "\n".join(lines)


def contact_rules_line(data: Mapping[str, object]) -> str:
    """How many customers each contact rule held offers back from (and how many offers)."""
    rules = data.get("contact_rules")
    if not isinstance(rules, Mapping):
        return "contact rules: not applied (campaign run before they were)"
    counts = ", ".join(
        f"{rule} {c['customers']} ({c['offers']} offers)" for rule, c in rules.items()
    )
    return f"customers the contact rules held offers back from: {counts}"


def _offers_table(summary: Mapping[str, object], *, observed: bool = False) -> str:
    offers = summary.get("offers")
    assert isinstance(offers, list)
    header = (f"{'offer':<20} {'assigned':>9} {'exp_accepts':>11} {'cap':>9} {'use':>6} "
              f"{'price':>8}")  # fmt: skip
    if observed:
        header += f" {'answered':>8} {'accepts':>7}"
    lines = [header]
    for o in offers:
        cap = "-" if o["cap_accepts"] is None else f"{o['cap_accepts']:.6g}"
        use = "-" if o["budget_use"] is None else f"{100 * o['budget_use']:.1f}%"
        line = (
            f"{o['offer_id'][:20]:<20} {o['assigned']:>9} {o['expected_accepts']:>11.1f} "
            f"{cap:>9} {use:>6} {o['shadow_price']:>8.4g}"
        )
        if observed:
            line += f" {o['answered']:>8} {o['accepts']:>7}"
        lines.append(line)
    return "\n".join(lines)


class _engine:  # used as a context manager, like a function
    """The chosen engine for the length of the run (a Dask client is closed after)."""

    def __init__(self, name: str, scheduler: str, workers: int | None) -> None:
        self._name = name
        self._scheduler = scheduler
        self._workers = workers
        self._engine: Engine | None = None

    def __enter__(self) -> Engine:
        from nba.campaigns import LocalEngine

        if self._name == "local":
            self._engine = LocalEngine(workers=self._workers or _cores())
            return self._engine
        from nba.campaigns.dask_engine import DaskEngine
        from nba.cli._common import dask_client

        connected = dask_client(self._scheduler)
        self._engine = DaskEngine(connected.client, owns_cluster=connected.owns_cluster)
        return self._engine

    def __exit__(self, *exc: object) -> None:
        close = getattr(self._engine, "close", None)
        if close is not None:
            close()


def _cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


class _Bars:
    """One tqdm bar per phase, on stderr, silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self._bars: dict[str, tqdm[Never]] = {}
        self._done: dict[str, int] = {}

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        for bar in self._bars.values():
            bar.close()

    def advance(self, phase: str, done: int, total: int) -> None:
        """Show `done` of `total` rows in `phase` (plan, assign)."""
        from tqdm import tqdm

        if phase not in self._bars:
            label = {"plan": "checking and sampling", "assign": "assigning"}.get(phase, phase)
            self._bars[phase] = tqdm(total=total, desc=label, unit="row", disable=None)
            self._done[phase] = 0
        self._bars[phase].update(done - self._done[phase])
        self._done[phase] = done
