"""The Uplift page: per offer and churn band, what offering it gains over doing nothing, with
its interval, support, acceptance and verdict; and what the uplift guard keeps out."""

from __future__ import annotations

import math
from collections.abc import Mapping

from flask import render_template, request

from api.console._blueprint import blueprint
from api.console.access import page
from api.routes._runtime import runtime
from nba.charts import BarChart
from nba.errors import InvalidInput
from nba.uplift.report import ESTIMATOR_WORDS, FIGURE_WORDS, UpliftReport

WINDOWS = ((90, "90 days"), (180, "180 days"), (365, "365 days"), (None, "all"))
"""The windows offered as links: (days, label); None is the whole log."""
DEFAULT_DAYS = 180


@blueprint.get("/uplift")
@page("marketer", "analyst")
def uplift() -> str:
    """Uplift over no_action per offer and band: the guard's stored report, or the last
    `?days=N` days (or `all`) estimated now."""
    reports = runtime().uplift
    days = _days(request.args)
    report, is_stored = reports.shown(days, prefer_stored="days" not in request.args)
    return render_template(
        "console/uplift.html",
        report=report,
        is_stored=is_stored,
        guard=reports.guard(),
        chart=_chart(report) if any(c.is_called for c in report.cells) else None,
        days=days,
        windows=WINDOWS,
        estimator_words=ESTIMATOR_WORDS,
        figure_words=FIGURE_WORDS,
    )


def _days(args: Mapping[str, str]) -> int | None:
    raw = args.get("days", str(DEFAULT_DAYS)).strip()
    if raw == "all":
        return None
    if not raw.isdigit() or int(raw) == 0:
        raise InvalidInput("days", f"must be a whole number of days or 'all', got {raw!r}")
    return int(raw)


def _chart(report: UpliftReport) -> BarChart:
    """Each offer's uplift per band with its 95% interval as error bars; a gap where there is
    too little data."""
    offers = report.offer_ids
    values: dict[str, list[float]] = {}
    errors: dict[str, tuple[list[float], list[float]]] = {}
    for band in report.bands:
        cells = {c.offer_id: c for c in report.cells if c.band == band}
        found = [cells.get(o) for o in offers]
        values[f"{band} churn"] = [c.uplift if c else math.nan for c in found]
        errors[f"{band} churn"] = (
            [c.ci_low if c else math.nan for c in found],
            [c.ci_high if c else math.nan for c in found],
        )
    unit = "retained share" if report.reward == "retention_rate" else "value per customer"
    return BarChart(
        "Uplift over no action, per offer and churn band",
        "offer",
        f"uplift ({unit})",
        list(offers),
        values,
        errors=errors,
        reference=("no action (0)", 0.0),
    )
