"""An offer's dashboard: its shows, accepts, rate and spend over time, by churn band and by
channel, against its budget; its share of the traffic; and the customers it wins."""

from __future__ import annotations

from flask import render_template, request

from api.console._blueprint import blueprint
from api.console._charts import (
    WINDOWS,
    counts_chart,
    percent,
    rate_bounds,
    rate_chart,
    window_days,
)
from api.console.access import page
from api.routes._runtime import runtime
from nba.charts import BarChart, Chart, LineChart
from nba.evaluation.insights import OfferDashboard
from nba.evaluation.summaries import CHURN_FIELD, MAX_VALUES


@blueprint.get("/offers/<offer_id>/dashboard")
@page("marketer", "analyst")
def offer_dashboard(offer_id: str) -> str:
    """One offer over a window of days (`?days=N` or `all`; default 30)."""
    nba = runtime()
    board = nba.insights.offer_dashboard(offer_id, window_days(request.args))
    return render_template(
        "console/dashboard.html",
        board=board,
        charts=_charts(board),
        windows=WINDOWS,
        interval_s=nba.settings.evaluation.summary_interval_s,
        max_values=MAX_VALUES,
        churn_field=CHURN_FIELD,
    )


def _charts(board: OfferDashboard) -> dict[str, Chart]:
    """The dashboard's charts, by name."""
    days = board.days
    x = [d.day for d in days]
    bands = [rate for _, rate in board.by_band]
    channels = board.by_channel
    budget = board.budget
    if budget.budget_money is not None or budget.budget_accepts is None:
        spent = {"spend to date": (x, [d.spend_to_date for d in days])}
        unit, reference = "spend to date (money)", budget.budget_money
    else:
        spent = {"accepts to date": (x, [d.accepts_to_date for d in days])}
        unit, reference = "accepts to date", float(budget.budget_accepts)
    return {
        "counts": counts_chart("Shows, outcomes and accepts per day", days, "shown"),
        "rate": rate_chart("Acceptance rate per day", days),
        "budget": LineChart(
            "Spend to date against the budget" if reference else "Spend to date",
            "day (UTC)",
            unit,
            spent,
            reference=None if reference is None else ("budget", reference),
        ),
        "bands": BarChart(
            "Acceptance rate by churn band",
            "churn band (low < 0.3 ≤ medium < 0.6 ≤ high)",
            "acceptance rate (%)",
            [band for band, _ in board.by_band],
            {"acceptance rate": [percent(r.rate) for r in bands]},
            errors={"acceptance rate": rate_bounds(bands)},
        ),
        "channels": BarChart(
            "Acceptance rate by channel",
            "channel",
            "acceptance rate (%)",
            [channel for channel, _ in channels],
            {"acceptance rate": [percent(r.rate) for _, r in channels]},
            errors={"acceptance rate": rate_bounds([r for _, r in channels])},
        ),
        "traffic": LineChart(
            "The learner's share of traffic for this offer",
            "day (UTC)",
            "percent (%)",
            {
                "share of the day's decisions": (x, [percent(d.share_of_decisions) for d in days]),
                "mean logged probability": (x, [percent(d.mean_propensity) for d in days]),
            },
            y_limits=(0.0, 100.0),
        ),
    }
