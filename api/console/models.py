"""The Models page: model versions with their figures in plain words; activate (roll back,
through a confirmation page), pin, unpin and train now for admins; analysts read only."""

from __future__ import annotations

import math

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from api.console._blueprint import blueprint
from api.console.access import page
from api.routes._params import VERSION
from api.routes._runtime import actor, runtime
from nba import charts
from nba.errors import NotFound
from nba.learning.optimizer import lift_in_words, outcome_in_words
from nba.learning.trainer import TrainingRun
from nba.learning.version_figures import VersionFigures

CHART_VERSIONS = 12
"""The chart shows the latest this many evaluated versions."""
OPTIMIZATIONS_SHOWN = 5
"""Auto-optimize's latest comparisons shown."""


@blueprint.get("/models")
@page("analyst")
def models() -> str:
    """Every version, newest first: state, when, what it learned, its off-policy judgement."""
    figures = runtime().models.figures()
    return render_template(
        "console/models.html", versions=figures, versions_chart=_chart(figures),
        optimizations=runtime().optimizer.history(OPTIMIZATIONS_SHOWN),
        lift_in_words=lift_in_words, outcome_in_words=outcome_in_words,
        settings_auto_optimize=runtime().settings.learning.auto_optimize,
    )  # fmt: skip


@blueprint.get(f"/models/<{VERSION}:version>/activate")
@page("admin")
def confirm_activation(version: int) -> str:
    """Ask before a version replaces the active one (a rollback when it is older)."""
    figures = runtime().models.figures()
    chosen = next((f for f in figures if f.version == version), None)
    if chosen is None:
        raise NotFound("model version", str(version))
    active = next((f for f in figures if f.is_active), None)
    poll_s = runtime().settings.learning.model_poll_s
    return render_template(
        "console/model_activate.html", chosen=chosen, active=active, poll_s=poll_s
    )


@blueprint.post(f"/models/<{VERSION}:version>/activate")
@page("admin")
def activate(version: int) -> Response:
    """Make the version the active one (the form of the confirmation page)."""
    runtime().models.activate(version, actor=actor())
    poll_s = runtime().settings.learning.model_poll_s
    flash(f"Version {version} is active: every worker serves it within {poll_s:g} s.", "ok")
    return redirect(url_for("console.models"))


@blueprint.post(f"/models/<{VERSION}:version>/pin")
@page("admin")
def pin(version: int) -> Response:
    """Pin a version: while it is active, training saves versions without activating them."""
    runtime().models.pin(version, True, actor=actor())
    flash(f"Version {version} is pinned: while it is active, new versions are not activated.")
    return redirect(url_for("console.models"))


@blueprint.post(f"/models/<{VERSION}:version>/unpin")
@page("admin")
def unpin(version: int) -> Response:
    """Unpin a version: the next version trained becomes active again."""
    runtime().models.pin(version, False, actor=actor())
    flash(f"Version {version} is unpinned: the next version trained becomes active.")
    return redirect(url_for("console.models"))


@blueprint.post("/models/train")
@page("admin")
def train() -> Response:
    """Learn every outcome no version has learned now, and say what happened."""
    flash(_trained(runtime().models.train_outstanding(actor=actor())))
    return redirect(url_for("console.models"))


def _trained(run: TrainingRun) -> str:
    if run.version is None:
        return (
            "Nothing to learn: every outcome reported so far has been learned by a saved "
            "version, so no version was saved."
        )
    saved = run.version
    learned = f"{run.outcomes:,} outcome{'s' * (run.outcomes != 1)}"
    if run.retention:
        learned += f" and {run.retention:,} retention answer{'s' * (run.retention != 1)}"
    state = (
        "It is active now."
        if saved.is_active
        else "It is not active: the active version is pinned; activate it below when you want."
    )
    return f"Saved version {saved.version}: it learned {learned} in {run.seconds:.1f} s. {state}"


def _chart(figures: tuple[VersionFigures, ...]) -> charts.BarChart | None:
    """Each evaluated version's estimate with its interval, beside the logging policy's value
    and the churn-band rules on the same log; None when no version was evaluated."""
    judged = [f for f in figures if f.estimate is not None][:CHART_VERSIONS][::-1]
    if not judged:
        return None
    is_rate = judged[0].is_rate
    scale = 100.0 if is_rate else 1.0

    def values(pick: list[float]) -> list[float]:
        return [scale * v for v in pick]

    estimates = [f.estimate for f in judged if f.estimate is not None]
    logged = [math.nan if f.logging_value is None else f.logging_value for f in judged]
    rules = [f.rules for f in judged]
    return charts.BarChart(
        "Off-policy estimate of each version, with 95% intervals",
        "model version (each judged on the latest decisions when it was saved)",
        "acceptance rate (%)" if is_rate else "reward per decision",
        [f"v{f.version}" for f in judged],
        {
            "the version (SNIPS)": values([e.value for e in estimates]),
            "logging policy": values(logged),
            "churn-band rules": values([r.value if r else math.nan for r in rules]),
        },
        errors={
            "the version (SNIPS)": (
                values([e.low for e in estimates]),
                values([e.high for e in estimates]),
            ),
            "churn-band rules": (
                values([r.low if r else math.nan for r in rules]),
                values([r.high if r else math.nan for r in rules]),
            ),
        },
        legend_outside=True,
    )
