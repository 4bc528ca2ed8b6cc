"""Reports of an evaluation run: a JSON file and a self-contained HTML page with plots.

Plots are matplotlib (Agg) PNGs embedded as base64: estimates with intervals per candidate
against the logging policy, the importance-weight distribution, and the breakdowns by churn
band and by offer.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nba.ope.batch import FloatArray
from nba.ope.run import EvaluationResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def write_json(evaluation: EvaluationResult, path: str | Path) -> Path:
    """Write `evaluation.as_dict()` as indented JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(evaluation.as_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def write_html(evaluation: EvaluationResult, path: str | Path) -> Path:
    """Write the HTML report: settings, tables, and the four plots, in one file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    e = evaluation
    base = e.baseline
    level = round(100 * (1 - e.alpha))
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<title>nba off-policy evaluation</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
        "padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}"
        ".warn{color:#a40}</style></head><body>",
        "<h1>Off-policy evaluation</h1>",
        f"<p>Log <code>{html.escape(e.source)}</code>: {e.n_rows} rows with a reward, "
        f"{len(e.offer_ids)} offers. Estimators: {', '.join(e.estimators)}; "
        f"{level}% intervals from {_interval_text(e)}; seed {e.seed}.</p>",
        f"<p>Logging policy (mean logged reward): <b>{_f(base.value)}</b> "
        f"[{_f(base.ci_low)}, {_f(base.ci_high)}]</p>",
        "<h2>Estimates</h2>",
        _estimates_table(e),
        *_warnings(e),
        _img(_plot_estimates(e)),
        "<h2>Importance weights</h2>",
        "<p>w = candidate probability / logged propensity of the logged offer. Heavy right tails "
        "and a small effective sample size (ESS) mean wide, fragile intervals.</p>",
        _img(_plot_weights(e)),
        "<h2>By churn band</h2>",
        _img(_plot_bands(e)),
        *(_records_table(f"{c.name}", c.by_band) for c in e.candidates),
        "<h2>By offer</h2>",
        "<p>Shares of each offer under the logging and candidate policies; the contribution "
        "is the offer's additive part of the candidate's DR (or IPS) estimate.</p>",
        _img(_plot_offers(e)),
        *(_records_table(f"{c.name}", c.by_offer) for c in e.candidates),
        "</body></html>",
    ]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _interval_text(e: EvaluationResult) -> str:
    if e.n_bootstrap == 0:
        return "none (point estimates only)"
    return f"a {e.n_bootstrap}-resample Poisson bootstrap"


def _estimates_table(e: EvaluationResult) -> str:
    head = (
        "<tr><th>candidate</th><th>estimator</th><th>value</th><th>interval</th><th>lift</th>"
        "<th>lift interval</th><th>ESS</th><th>max w</th><th>mean w</th><th>unsupported</th></tr>"
    )
    rows = [
        f"<tr><td>{html.escape(c.name)}</td><td>{x.name}</td><td>{_f(x.value)}</td>"
        f"<td>[{_f(x.ci_low)}, {_f(x.ci_high)}]</td><td>{_f(x.lift)}</td>"
        f"<td>[{_f(x.lift_ci_low)}, {_f(x.lift_ci_high)}]</td><td>{x.ess:.0f}</td>"
        f"<td>{x.max_weight:.2f}</td><td>{x.mean_weight:.3f}</td>"
        f"<td>{100 * x.unsupported_share:.1f}%</td></tr>"
        for c in e.candidates
        for x in c.estimates
    ]
    return f"<table>{head}{''.join(rows)}</table>"


def _warnings(e: EvaluationResult) -> list[str]:
    out = []
    for c in e.candidates:
        share = c.estimates[0].unsupported_share if c.estimates else 0.0
        if share > 0:
            out.append(
                f"<p class='warn'>{html.escape(c.name)} puts probability on offers the logging "
                f"policy never gave on {100 * share:.1f}% of rows: every estimate is biased there."
                "</p>"
            )
    return out


def _records_table(title: str, records: Sequence[Mapping[str, object]]) -> str:
    if not records:
        return ""
    keys = list(records[0])
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(r[k]))}</td>" for k in keys) + "</tr>"
        for r in records
    )
    return f"<h3>{html.escape(title)}</h3><table><tr>{head}</tr>{body}</table>"


def _bar_errors(values: FloatArray, low: FloatArray, high: FloatArray) -> FloatArray:
    # An interval need not contain its point estimate (percentile bootstrap of a skewed
    # estimator, or a band with few rows); matplotlib refuses negative error bars.
    return np.maximum(np.nan_to_num(np.vstack([values - low, high - values])), 0.0)


def _plot_estimates(e: EvaluationResult) -> bytes:
    fig, ax = _figure(max(6.0, 1.2 * len(e.estimators) + 3))
    count = len(e.candidates)
    for c_index, c in enumerate(e.candidates):
        offset = (c_index - (count - 1) / 2) * 0.8 / max(count, 1)
        x = np.arange(len(c.estimates)) + offset
        values = np.array([x_.value for x_ in c.estimates])
        low = np.array([x_.ci_low for x_ in c.estimates])
        high = np.array([x_.ci_high for x_ in c.estimates])
        errors = _bar_errors(values, low, high)
        ax.errorbar(
            x,
            values,
            yerr=errors,
            fmt="o",
            capsize=3,
            label=c.name,
            color=_COLOURS[c_index % len(_COLOURS)],
        )
    base = e.baseline
    ax.axhline(base.value, color="black", lw=1, label="logging policy")
    if math.isfinite(base.ci_low):
        ax.axhspan(base.ci_low, base.ci_high, color="grey", alpha=0.2)
    ax.set_xticks(np.arange(len(e.estimators)), e.estimators)
    ax.set_ylabel("estimated value (mean reward)")
    ax.legend(fontsize=8)
    return _png(fig)


def _plot_weights(e: EvaluationResult) -> bytes:
    fig, ax = _figure(7.0)
    top = max((float(c.weights.max()) for c in e.candidates), default=1.0)
    bins = np.linspace(0.0, max(top, 1e-9), 40).tolist()  # matplotlib hints a list, not an array
    for index, c in enumerate(e.candidates):
        ax.hist(
            c.weights,
            bins=bins,
            histtype="step",
            lw=1.5,
            label=c.name,
            color=_COLOURS[index % len(_COLOURS)],
        )
    ax.set_yscale("log")
    ax.set_xlabel("importance weight")
    ax.set_ylabel("rows")
    ax.legend(fontsize=8)
    return _png(fig)


def _plot_bands(e: EvaluationResult) -> bytes:
    fig, ax = _figure(7.0)
    bands = [r["band"] for r in e.candidates[0].by_band] if e.candidates else []
    width = 0.8 / (len(e.candidates) + 1)
    x = np.arange(len(bands))
    if e.candidates:
        logged = [r["logging_value"] for r in e.candidates[0].by_band]
        ax.bar(x - 0.4 + width / 2, logged, width, color="grey", label="logging policy")
    for index, c in enumerate(e.candidates):
        values = np.array([r["value"] for r in c.by_band], dtype=np.float64)
        low = np.array([r["ci_low"] for r in c.by_band], dtype=np.float64)
        high = np.array([r["ci_high"] for r in c.by_band], dtype=np.float64)
        ax.bar(
            x - 0.4 + width * (index + 1.5),
            values,
            width,
            label=c.name,
            yerr=_bar_errors(values, low, high),
            capsize=2,
            color=_COLOURS[index % len(_COLOURS)],
        )
    ax.set_xticks(x, bands)
    ax.set_xlabel("churn band")
    ax.set_ylabel("estimated value")
    ax.legend(fontsize=8)
    return _png(fig)


def _plot_offers(e: EvaluationResult) -> bytes:
    fig, ax = _figure(max(7.0, 0.8 * len(e.offer_ids) + 2))
    width = 0.8 / (len(e.candidates) + 1)
    x = np.arange(len(e.offer_ids))
    if e.candidates:
        shares = [r["logging_share"] for r in e.candidates[0].by_offer]
        ax.bar(x - 0.4 + width / 2, shares, width, color="grey", label="logging policy")
    for index, c in enumerate(e.candidates):
        shares = [r["candidate_share"] for r in c.by_offer]
        ax.bar(
            x - 0.4 + width * (index + 1.5),
            shares,
            width,
            label=c.name,
            color=_COLOURS[index % len(_COLOURS)],
        )
    ax.set_xticks(x, e.offer_ids, rotation=30, ha="right")
    ax.set_ylabel("share of decisions")
    ax.legend(fontsize=8)
    return _png(fig)


def _figure(width: float) -> tuple[Figure, Axes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, 3.8), dpi=90)
    return fig, ax


def _png(fig: Figure) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _img(png: bytes) -> str:
    return f"<img alt='plot' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def _f(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.4f}"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return _f(value)
    return str(value)
