"""Reports of an evaluation run: a JSON file, and an HTML report for people.

The HTML report opens with the verdict in plain words (`nba.ope.verdict`), then the settings,
a chart of each candidate's estimate with its interval against the logging policy, a table
whose every column is named in words, one line per estimator, and the breakdowns by churn band
and by offer, each with a chart (inline SVG, `nba.charts`). `report_fragment` is the report as
a part of a page (the console shows it); `write_html` writes it as a self-contained page (the
CLI's `report.html`). Both read an `EvaluationResult`; a stored job's results come back as one
through `EvaluationResult.from_dict`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from nba import charts
from nba.ope.evaluate import Estimate
from nba.ope.run import CandidateResult, EvaluationResult
from nba.ope.verdict import (
    ESTIMATOR_WORDS,
    MAX_UNSUPPORTED_SHARE,
    MIN_EFFECTIVE_SAMPLE,
    PER_DECISIONS,
    Shown,
    headline_estimator,
    per_thousand,
    shown,
    verdict,
)

_TEMPLATES = Path(__file__).parent / "templates"


def write_json(evaluation: EvaluationResult, path: str | Path) -> Path:
    """Write `evaluation.as_dict()` as indented JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(evaluation.as_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def write_html(evaluation: EvaluationResult, path: str | Path) -> Path:
    """Write the report as one self-contained HTML page (styles inline, charts as SVG)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_page(evaluation), encoding="utf-8")
    return path


def report_page(evaluation: EvaluationResult) -> str:
    """The report as a whole HTML page."""
    template = _environment().get_template("report_page.html")
    return template.render(report=report_fragment(evaluation))


def report_fragment(evaluation: EvaluationResult) -> Markup:
    """The report as a `<section>` to place in a page (escaped, safe to insert)."""
    return Markup(_environment().get_template("report.html").render(_context(evaluation)))


@dataclass(frozen=True, slots=True)
class _Row:
    """One candidate and estimator as the estimates table shows it."""

    candidate: str
    estimator: str
    value: str
    interval: str
    difference: str
    difference_interval: str
    ess: str
    max_weight: str
    unsupported: str
    is_clipped: bool


def _context(e: EvaluationResult) -> dict[str, object]:
    is_rate = e.reward_kind == "acceptance"
    level = round(100 * (1 - e.alpha))
    headline = headline_estimator(e.estimators)
    rows = [_row(c.name, x, e) for c in e.candidates for x in c.estimates]
    used = ["on_policy", *(name for name in e.estimators if name != "on_policy")]
    return {
        "e": e,
        "verdict": verdict(e),
        "level": level,
        "is_rate": is_rate,
        "measure": "acceptance rate" if is_rate else "reward per decision",
        "per": f"{PER_DECISIONS:,}",
        "rows": rows,
        "any_clipped": any(r.is_clipped for r in rows),
        "baseline": _value(e.baseline.value, is_rate),
        "baseline_interval": _interval(e.baseline.ci_low, e.baseline.ci_high, is_rate),
        "intervals": _interval_method(e),
        "words": [(name, *ESTIMATOR_WORDS.get(name, (name, ""))) for name in used],
        "headline": headline,
        "headline_label": ESTIMATOR_WORDS[headline][0] if headline else "",
        "estimates_chart": _estimates_chart(e, headline, level),
        "differences_chart": _differences_chart(e, level),
        "bands": _bands(e),
        "bands_chart": _bands_chart(e),
        "offers": _offers(e),
        "offers_chart": _offers_chart(e),
        "min_ess": MIN_EFFECTIVE_SAMPLE,
        "max_unsupported": f"{100 * MAX_UNSUPPORTED_SHARE:g}%",
    }


def _row(candidate: str, x: Estimate, e: EvaluationResult) -> _Row:
    is_rate = e.reward_kind == "acceptance"
    s = shown(x, e.baseline.value, e.reward_kind)
    mark = "*" if s.is_clipped else ""
    return _Row(
        candidate=candidate,
        estimator=x.name,
        value=_value(s.value, is_rate),
        interval=_interval(s.ci_low, s.ci_high, is_rate) + mark,
        difference=per_thousand(s.lift),
        difference_interval=_span(per_thousand(s.lift_ci_low), per_thousand(s.lift_ci_high)),
        ess=_count(x.ess),
        max_weight="n/a" if not math.isfinite(x.max_weight) else f"{x.max_weight:.2f}",
        unsupported=_percent(x.unsupported_share),
        is_clipped=s.is_clipped,
    )


def _estimates_chart(e: EvaluationResult, name: str | None, level: int) -> str:
    if name is None or not e.candidates:
        return ""
    is_rate = e.reward_kind == "acceptance"
    base = e.baseline
    pairs = [(c.name, x) for c in e.candidates for x in c.estimates if x.name == name]
    figures = [shown(x, base.value, e.reward_kind) for _, x in pairs]
    names = ["logging policy", *(candidate for candidate, _ in pairs)]
    scale = 100.0 if is_rate else 1.0
    low = [_clip01(base.ci_low, is_rate), *(f.ci_low for f in figures)]
    high = [_clip01(base.ci_high, is_rate), *(f.ci_high for f in figures)]
    values = [base.value, *(f.value for f in figures)]
    label = f"{ESTIMATOR_WORDS[name][0]} ({name})"
    return charts.bar_chart(
        f"Estimated {'acceptance rate' if is_rate else 'value'} of each policy, "
        f"with {level}% intervals",
        "policy (the logging policy: its mean logged reward)",
        "acceptance rate (%)" if is_rate else "reward per decision",
        names,
        {label: [scale * v for v in values]},
        errors={label: ([scale * v for v in low], [scale * v for v in high])},
    )


def _differences_chart(e: EvaluationResult, level: int) -> str:
    if not e.candidates:
        return ""
    series: dict[str, list[float]] = {}
    errors: dict[str, tuple[list[float], list[float]]] = {}
    for name in e.estimators:
        figures = [_shown_by(c, name, e) for c in e.candidates]
        series[name] = [_scaled(f.lift if f else math.nan) for f in figures]
        errors[name] = (
            [_scaled(f.lift_ci_low if f else math.nan) for f in figures],
            [_scaled(f.lift_ci_high if f else math.nan) for f in figures],
        )
    unit = "accepts" if e.reward_kind == "acceptance" else "reward"
    return charts.bar_chart(
        f"Difference from the logging policy by every estimator, with {level}% intervals",
        "candidate",
        f"{unit} per {PER_DECISIONS:,} decisions",
        [c.name for c in e.candidates],
        series,
        errors=errors,
        reference=("no difference", 0.0),
        legend_outside=True,
    )


def _shown_by(c: CandidateResult, name: str, e: EvaluationResult) -> Shown | None:
    found = next((x for x in c.estimates if x.name == name), None)
    return None if found is None else shown(found, e.baseline.value, e.reward_kind)


def _bands(e: EvaluationResult) -> list[dict[str, str]]:
    is_rate = e.reward_kind == "acceptance"
    return [
        {
            "candidate": c.name,
            "band": str(r["band"]),
            "rows": f"{r['rows']:,}",
            "estimator": str(r["estimator"]),
            "logging": _value(r["logging_value"], is_rate),
            "value": _value(r["value"], is_rate),
            "interval": _interval(
                _clip01(r["ci_low"], is_rate), _clip01(r["ci_high"], is_rate), is_rate
            ),
            "difference": per_thousand(r["lift"]),
            "difference_interval": _span(
                per_thousand(r["lift_ci_low"]), per_thousand(r["lift_ci_high"])
            ),
        }
        for c in e.candidates
        for r in c.by_band
    ]


def _bands_chart(e: EvaluationResult) -> str:
    if not e.candidates or not e.candidates[0].by_band:
        return ""
    is_rate = e.reward_kind == "acceptance"
    scale = 100.0 if is_rate else 1.0
    first = e.candidates[0].by_band
    bands = [str(r["band"]) for r in first]
    series = {"logging policy": [scale * float(r["logging_value"]) for r in first]}
    errors = {}
    for c in e.candidates:
        by_band = {str(r["band"]): r for r in c.by_band}
        rows = [by_band.get(band) for band in bands]
        series[c.name] = [scale * float(r["value"]) if r else math.nan for r in rows]
        errors[c.name] = (
            [scale * _clip01(float(r["ci_low"]), is_rate) if r else math.nan for r in rows],
            [scale * _clip01(float(r["ci_high"]), is_rate) if r else math.nan for r in rows],
        )
    level = round(100 * (1 - e.alpha))
    return charts.bar_chart(
        f"Estimated {'acceptance rate' if is_rate else 'value'} by churn band, with {level}% "
        "intervals",
        "churn band of the customer (low < 0.3 <= medium < 0.6 <= high)",
        "acceptance rate (%)" if is_rate else "reward per decision",
        bands,
        series,
        errors=errors,
        legend_outside=True,
    )


def _offers(e: EvaluationResult) -> list[dict[str, str]]:
    return [
        {
            "candidate": c.name,
            "offer": str(r["offer_id"]),
            "logging": _percent(r["logging_share"]),
            "logged": _percent(r["logged_share"]),
            "candidate_share": _percent(r["candidate_share"]),
            "contribution": per_thousand(r["contribution"], signed=False),
            "estimator": str(r["contribution_estimator"]),
        }
        for c in e.candidates
        for r in c.by_offer
    ]


def _offers_chart(e: EvaluationResult) -> str:
    if not e.candidates or not e.candidates[0].by_offer:
        return ""
    offers = [str(r["offer_id"]) for r in e.candidates[0].by_offer]
    series = {"logging policy": [100 * float(r["logging_share"]) for r in e.candidates[0].by_offer]}
    for c in e.candidates:
        by_offer = {str(r["offer_id"]): r for r in c.by_offer}
        series[c.name] = [
            100 * float(by_offer[o]["candidate_share"]) if o in by_offer else math.nan
            for o in offers
        ]
    return charts.bar_chart(
        "How often each policy would choose each offer",
        "offer",
        "share of decisions (%)",
        offers,
        series,
        legend_outside=True,
    )


def _interval_method(e: EvaluationResult) -> str:
    if e.n_bootstrap == 0:
        return "none: 0 bootstrap resamples were asked for, so only point estimates"
    return f"a bootstrap of {e.n_bootstrap:,} resamples (the same resamples for every candidate)"


def _value(value: float, is_rate: bool) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{100 * value:.1f}%" if is_rate else f"{value:.4g}"


def _interval(low: float, high: float, is_rate: bool) -> str:
    return _span(_value(low, is_rate), _value(high, is_rate))


def _span(low: str, high: str) -> str:
    return "n/a" if "n/a" in (low, high) else f"{low} to {high}"


def _percent(share: float) -> str:
    return "n/a" if not math.isfinite(share) else f"{100 * share:.1f}%"


def _count(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:,.0f}"


def _scaled(value: float) -> float:
    return value * PER_DECISIONS


def _clip01(value: float, is_rate: bool) -> float:
    if not is_rate or not math.isfinite(value):
        return value
    return min(max(value, 0.0), 1.0)


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
