"""`nba uplift`: which offers save customers, per churn band, estimated off-policy."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import click
import numpy as np

from nba.cli._common import database_options, echo_json, open_database, settings_from

if TYPE_CHECKING:
    from nba.ope.uplift import UpliftEstimate
    from nba.uplift.report import UpliftReport

HEADER = ("offer", "band", "uplift", "95% interval", "ESS", "accepted", "verdict")


@click.command("uplift")
@click.option("--from", "start", default=None, help="ISO time, inclusive (default: the first).")
@click.option("--to", "end", default=None, help="ISO time, exclusive (default: now).")
@click.option(
    "--reward",
    type=click.Choice(["retention_value", "retention_rate"]),
    default="retention_value",
    show_default=True,
    help="retention_value: retained x customer value - cost if accepted (money per customer); "
    "retention_rate: the share who stay.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--min-ess",
    type=click.FloatRange(min=1),
    default=None,
    help="Effective decisions of the offer and of no_action a figure needs "
    "(default NBA_UPLIFT_MIN_ESS, 50).",
)
@click.option(
    "--store",
    is_flag=True,
    help="Estimate the guard's window (NBA_UPLIFT_WINDOW_DAYS) now and store it: its sleeping "
    "dogs are what the uplift guard keeps out (what the scheduled job does).",
)
@click.option("--seed", type=int, default=None, help="Seed of the reward model's folds.")
@database_options
def command(
    start: str | None,
    end: str | None,
    reward: str,
    fmt: str,
    min_ess: float | None,
    store: bool,
    seed: int | None,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Which offers save customers: uplift over no_action per offer and churn band, off-policy.

    Per offer and band: the value of always making the offer minus always doing nothing, with
    its 95% interval, effective sample size, acceptance rate and verdict (saves customers,
    sleeping dog, no clear effect, too little data). The last line says what the uplift guard
    holds."""
    from nba.clock import parse_time
    from nba.errors import InvalidInput
    from nba.uplift.service import UpliftReports

    if store and (start or end or reward != "retention_value" or min_ess is not None):
        raise InvalidInput(
            "store",
            "stores the guard's own report (retention_value over NBA_UPLIFT_WINDOW_DAYS, "
            "NBA_UPLIFT_MIN_ESS): leave out --from, --to, --reward and --min-ess",
        )
    settings = settings_from(database_url, data_dir)
    database = open_database(settings)
    try:
        reports = UpliftReports(database, settings, np.random.default_rng(seed))
        if store:
            report = reports.refresh(force=True)
            if report is None:
                raise InvalidInput("store", "another process is storing the report right now")
        else:
            report = reports.report(
                start=parse_time(start, "from") if start else None,
                end=parse_time(end, "to") if end else None,
                reward=reward,
                min_ess=min_ess,
            )
        guard = reports.guard()
    finally:
        database.dispose()
    if fmt == "json":
        echo_json({**report.as_dict(), "guard": guard.as_dict()})
        return
    click.echo(table(report))
    click.echo(guard.words)


def table(report: UpliftReport) -> str:
    """The report as a text table with a header in words and the figures' legend."""
    from nba.uplift.report import ESTIMATOR_WORDS, FIGURE_WORDS

    level = f"{100 * (1 - report.alpha):g}%"
    lines = [f"Uplift of each offer over no_action, {report.unit} ({report.reward}), {level} "
             "intervals"]  # fmt: skip
    span = ""
    if report.first is not None and report.last is not None:
        span = f", decided {report.first:%Y-%m-%d} to {report.last:%Y-%m-%d}"
    lines.append(f"{report.rows} decisions with a retention answer{span}")
    if report.estimator is not None:
        lines.append(f"estimator: {ESTIMATOR_WORDS[report.estimator]}")
    if report.note:
        lines.append(report.note)
    if report.cells:
        rows = [HEADER, *(_row(c, report.reward) for c in report.cells)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER) - 1)]
        for r in rows:
            lines.append("  ".join([*(v.ljust(w) for v, w in zip(r, widths, strict=False)), r[-1]]))
        lines.append("")
        lines += [f"{name}: {words}" for name, words in FIGURE_WORDS]
        lines.append(f"minimum ESS to call a figure: {report.min_ess:g}")
    return "\n".join(lines)


def _row(c: UpliftEstimate, reward: str) -> tuple[str, ...]:
    rate = "-" if c.acceptance_rate is None else f"{100 * c.acceptance_rate:.0f}% of {c.answered}"
    if not c.is_called:
        return (c.offer_id, c.band, "-", "-", f"{c.ess:.0f}", rate, c.verdict)
    return (
        c.offer_id,
        c.band,
        _number(c.uplift, reward),
        f"[{_number(c.ci_low, reward)}, {_number(c.ci_high, reward)}]",
        f"{c.ess:.0f}",
        rate,
        c.verdict,
    )


def _number(value: float, reward: str) -> str:
    if not math.isfinite(value):
        return "-"
    if reward == "retention_rate":
        return f"{100 * value:+.1f} pts"
    return f"{value:+.2f}"
