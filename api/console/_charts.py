"""What the overview and the offer dashboard share: the window parameter and the charts they
draw from days of figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from nba.charts import LineChart
from nba.errors import InvalidInput
from nba.evaluation.insights import DayFigures
from nba.evaluation.stats import Rate

WINDOWS = ((7, "7 days"), (30, "30 days"), (90, "90 days"), (None, "all"))
"""The windows offered as links: (days, label); None is the whole log."""
DEFAULT_DAYS = 30
NAN = float("nan")


def window_days(args: Mapping[str, str]) -> int | None:
    """The `days` query parameter: a whole number of days, or `all` (None); default 30."""
    raw = args.get("days", str(DEFAULT_DAYS)).strip()
    if raw == "all":
        return None
    if not raw.isdigit():
        raise InvalidInput("days", f"must be a whole number of days or 'all', got {raw!r}")
    return int(raw)


def percent(value: float | None) -> float:
    """A share as a percentage, NaN (a gap in a chart) when unknown."""
    return NAN if value is None else 100.0 * value


def rate_bounds(rates: Sequence[Rate]) -> tuple[list[float], list[float]]:
    """Low and high ends of each rate's 95% interval, in %."""
    return [percent(r.ci_low) for r in rates], [percent(r.ci_high) for r in rates]


def counts_chart(title: str, days: Sequence[DayFigures], shown: str) -> LineChart:
    """Decisions (`shown` names them), outcomes and accepts per day."""
    x = [d.day for d in days]
    return LineChart(
        title,
        "day (UTC)",
        "decisions per day",
        {
            shown: (x, [d.rate.shows for d in days]),
            "with an outcome": (x, [d.rate.answered for d in days]),
            "accepted": (x, [d.rate.accepts for d in days]),
        },
    )


def rate_chart(title: str, days: Sequence[DayFigures]) -> LineChart:
    """The acceptance rate per day with its 95% interval as a band."""
    x: list[date] = [d.day for d in days]
    rates = [d.rate for d in days]
    return LineChart(
        title,
        "day (UTC)",
        "acceptance rate (%)",
        {"acceptance rate": (x, [percent(r.rate) for r in rates])},
        bands={"acceptance rate": rate_bounds(rates)},
        y_limits=(0.0, 100.0),
    )
