"""The overview: decisions and outcomes per day, overall acceptance, every offer's line, the
learned policy against the churn-band rules and random, and the active model version."""

from __future__ import annotations

import math

from flask import render_template, request

from api.console._blueprint import blueprint
from api.console._charts import WINDOWS, counts_chart, rate_chart, window_days
from api.console.access import page
from api.routes._runtime import runtime
from nba.charts import BarChart, Chart
from nba.evaluation.comparison import ESTIMATORS, LABELS, N_BOOTSTRAP, Comparison
from nba.evaluation.insights import Overview

SHORT_LABELS = {"learned": "learned", "rules": "rules", "random": "random", "logged": "as logged"}
ESTIMATOR_NAMES = {"snips": "SNIPS", "dr": "DR"}


@blueprint.get("/overview")
@page("marketer", "analyst")
def overview() -> str:
    """Every offer together over a window of days (`?days=N` or `all`; default 30)."""
    nba = runtime()
    view = nba.insights.overview(window_days(request.args))
    return render_template(
        "console/overview.html",
        view=view,
        charts=_charts(view),
        windows=WINDOWS,
        labels=LABELS,
        estimator_names=ESTIMATOR_NAMES,
        n_bootstrap=N_BOOTSTRAP,
        interval_s=nba.settings.evaluation.summary_interval_s,
        comparison_interval_s=nba.settings.evaluation.comparison_interval_s,
    )


def _charts(view: Overview) -> dict[str, Chart]:
    charts: dict[str, Chart] = {
        "counts": counts_chart("Decisions and outcomes per day", view.days, "decisions"),
        "rate": rate_chart("Acceptance rate per day, every offer", view.days),
    }
    if view.comparison is not None and view.comparison.estimates:
        charts["comparison"] = _comparison_chart(view.comparison)
    return charts


def _comparison_chart(comparison: Comparison) -> BarChart:
    """Each policy's estimate by each estimator, with its 95% interval; the logged value (the
    observed mean) stands in both series."""
    is_rate = comparison.reward_mode == "acceptance"
    policies = [p for p in ("learned", "rules", "random", "logged")
                if any(e.policy == p for e in comparison.estimates)]  # fmt: skip
    values: dict[str, list[float]] = {}
    errors: dict[str, tuple[list[float], list[float]]] = {}
    for estimator in ESTIMATORS:
        name = ESTIMATOR_NAMES[estimator]
        found = [comparison.of(p, "on_policy" if p == "logged" else estimator) for p in policies]
        values[name] = [_shown(e.value if e else None, is_rate) for e in found]
        errors[name] = (
            [_shown(e.ci_low if e else None, is_rate) for e in found],
            [_shown(e.ci_high if e else None, is_rate) for e in found],
        )
    return BarChart(
        "Learned policy against the churn-band rules and random",
        "policy",
        "estimated acceptance rate (%)" if is_rate else "estimated reward per decision",
        [SHORT_LABELS[p] for p in policies],
        values,
        errors=errors,
    )


def _shown(value: float | None, is_rate: bool) -> float:
    """A value as drawn: an acceptance rate in %, clipped to [0, 100]; NaN when missing."""
    if value is None or not math.isfinite(value):
        return math.nan
    return min(100.0, max(0.0, 100.0 * value)) if is_rate else value
