"""The demo's HTML summary: one self-contained file with two plots, each explained in words.

Plots are matplotlib SVG written inline (text kept as text, so the page is searchable and
needs no other file): acceptance over time of the learned policy, uniform random and the
oracle, with 95% intervals; and the offer mix by churn band, low to high, of the learner next
to the offers the ground truth says were best. The band stories of `simulator.demo` say the
same in sentences.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.demo import DemoSummary, band_label, band_story
from simulator.result import BANDS

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

_OFFER_COLOURS = (
    "#9e9e9e", "#1f77b4", "#aec7e8", "#ff7f0e", "#2ca02c", "#17becf", "#d62728", "#9467bd",
    "#8c564b", "#e377c2",
)  # fmt: skip
_LINES = {"learned": "#1f77b4", "random": "#7f7f7f", "oracle": "#2ca02c"}

WORLD = (
    "In the simulated world a customer's churn risk has hidden reasons. Most customers with a "
    "high churn score are at risk because of service trouble (outages, support calls, "
    "unresolved tickets), and a technician visit is the offer they accept most. For "
    "price-sensitive customers at high risk the 25% discount is best; but price sensitivity "
    "is hidden from the CRM, which shows it only through late payments, the payment method "
    "and the bill, while outages and support calls are in the context as they are. So within "
    "a few thousand decisions a learner tells service trouble apart more easily than price "
    "sensitivity, and may give a technician visit where the discount would have been "
    "accepted more. The two discounts also look much alike to it (one category, 10 or 25 "
    "percent off), though the 25% one is accepted more on average in every band, and by "
    "far at high risk. The band stories above "
    "say, for this run, what the learner offered and where it still missed most."
)
"""What the ground truth of the `stationary` scenario is like, in words (see simulator/truth.py)."""


def write_report(summary: DemoSummary, path: str | Path, *, seed: int | None = None) -> Path:
    """Write the summary as one HTML file at `path` (folders made as needed); return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(summary, seed=seed), encoding="utf-8")
    return path


def report_html(summary: DemoSummary, *, seed: int | None = None) -> str:
    """The whole page as text."""
    s = summary
    lift = s.learned_total / s.random_total - 1 if s.random_total else 0.0
    block = round(s.steps / max(len(s.curve), 1))
    seed_text = f" (customer seed {seed})" if seed is not None else ""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>nba demo: what the learner did</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;"
        "color:#222;line-height:1.45}figure{margin:1.5em 0}figcaption{color:#444}"
        "svg{max-width:100%;height:auto}li{margin:.4em 0}</style></head><body>",
        "<h1>nba demo: what the learner did</h1>",
        f"<p>{s.steps} simulated customers{seed_text} asked the service for an offer over "
        f"HTTP and reported whether they accepted it, in {s.seconds:.1f} s. Overall acceptance: "
        f"learned policy <b>{s.learned_total:.3f}</b>, uniform random on the same customers "
        f"{s.random_total:.3f} ({lift:+.0%}), oracle {s.oracle_total:.3f}.</p>",
        "<h2>Acceptance over time</h2>",
        "<figure>",
        _svg(_acceptance_figure(s)),
        f"<figcaption>Each point is the share of accepted offers in one block of about "
        f"{block} decisions, with its 95% interval shaded (Wilson score). The learned policy "
        "is the service, learning online from every outcome; uniform random meets the same "
        "customers in this process; the oracle line is the expected acceptance of the truly "
        "best offer for each customer, which needs the hidden response model, so no policy "
        "can be expected to reach it.</figcaption>",
        "</figure>",
        "<h2>Offer mix by churn band</h2>",
        "<figure>",
        _svg(_mix_figure(s)),
        "<figcaption>For each churn band, low to high, the upper bar is what the learner "
        "offered in the second half of the run and the lower bar the offer that was truly best "
        "for the same customers (the ground truth's highest acceptance probability); widths "
        "are shares of the band's decisions. Where the two bars look alike, the learner has "
        "found what suits that band.</figcaption>",
        "</figure>",
        "<h2>What the learner did, band by band</h2>",
        "<ul>",
        *(f"<li>{html.escape(band_story(story))}</li>" for story in s.stories),
        "</ul>",
        f"<h2>Why</h2><p>{html.escape(WORLD)}</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96)


def _svg(fig: Figure) -> str:
    """The figure as inline SVG, text kept as text."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "nba-demo"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _acceptance_figure(summary: DemoSummary) -> Figure:
    from matplotlib.ticker import PercentFormatter

    fig = _figure(8.5, 4.2)
    ax = fig.subplots()
    curve = summary.curve
    x = curve.index.to_numpy(dtype=float)
    for name, label in (("learned", "learned policy (over HTTP)"), ("random", "uniform random")):
        colour = _LINES[name]
        ax.plot(x, curve[name], marker="o", markersize=3, color=colour, label=label)
        ax.fill_between(x, curve[f"{name}_low"], curve[f"{name}_high"], color=colour, alpha=0.15)
    ax.plot(x, curve["oracle"], linestyle="--", color=_LINES["oracle"], label="oracle (expected)")
    ax.set_title("Acceptance over time: learned policy vs uniform random vs oracle")
    ax.set_xlabel("decisions so far (end of each block)")
    ax.set_ylabel("acceptance rate (% of offers accepted)")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def _shares(mix: pd.DataFrame, band: str) -> list[float]:
    return [float(v) for v in mix.loc[band].to_numpy(dtype=float)]


def _mix_figure(summary: DemoSummary) -> Figure:
    from matplotlib.ticker import PercentFormatter

    fig = _figure(8.5, 4.6)
    ax = fig.subplots()
    offers = list(summary.offer_mix.columns)
    labels: list[str] = []
    rows: list[list[float]] = []
    for band in BANDS:
        labels += [f"{band}: learner", f"{band}: best offer"]
        rows += [_shares(summary.offer_mix, band), _shares(summary.oracle_mix, band)]
    positions = [i + (i // 2) * 0.6 for i in range(len(rows))]  # a gap between bands
    left = [0.0] * len(rows)
    for j, offer in enumerate(offers):
        widths = [row[j] for row in rows]
        colour = _OFFER_COLOURS[j % len(_OFFER_COLOURS)]
        ax.barh(positions, widths, left=left, color=colour, label=offer, height=0.85)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # low risk at the top, high at the bottom: the order of the bands
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of decisions in the band (%)")
    ax.set_title("Offer mix by churn band: the learner vs the truly best offer")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="offer")
    return fig


__all__ = ["WORLD", "band_label", "report_html", "write_report"]
