"""What-if results as people read them: a text table, a JSON document, an HTML page with charts."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nba.charts import BarChart
from nba.evaluation.what_if_jobs import OfferFigures, WhatIfFigure
from simulator.what_if import METRICS, Change, OfferUse, WhatIf

LABELS = {
    "accepts": "accepts",
    "cost": "cost of accepted offers",
    "retained_value": "retained value",
    "net_value": "net value (retained - cost)",
}
"""Each metric's name in reports."""
MEANINGS = {
    "accepts": "Offers accepted",
    "cost": "Money the accepted offers cost",
    "retained_value": "Value of the customers who stayed (their lifetime value, plus an "
    "accepted upsell's revenue)",
    "net_value": "Retained value less the cost of the accepted offers",
}
"""What each metric counts, in a sentence's opening words."""


def _number(value: float) -> str:
    return f"{value:+,.1f}" if abs(value) < 100 else f"{value:+,.0f}"


def _plain(value: float) -> str:
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def table_text(result: WhatIf) -> str:
    """The changes as an aligned text table, totals per run of `steps` decisions."""
    level = f"{100 * (1 - result.alpha):g}%"
    header = ("metric", "current", "proposed", "change", f"{level} interval")
    rows = [header]
    for c in result.changes:
        interval = f"[{_number(c.ci_low)}, {_number(c.ci_high)}]"
        mark = " *" if c.excludes_zero else ""
        rows.append(
            (LABELS[c.metric], _plain(c.current), _plain(c.proposed), _number(c.change),
             interval + mark)
        )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                  enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    note = (
        f"Totals per run of {result.steps:,} decisions, mean over {len(result.seeds)} seed(s); "
        f"change = proposed - current on the same customers and draws, {level} interval "
        f"({result.interval}); * the interval excludes 0."
    )
    return "\n".join([*lines, note]) + "\n"


def result_json(result: WhatIf) -> dict[str, object]:
    """The result as a JSON-ready document."""
    return {
        "steps": result.steps,
        "seeds": list(result.seeds),
        "reward_mode": result.reward_mode,
        "confidence": 1 - result.alpha,
        "interval": result.interval,
        "changes": {c.metric: _change_json(c) for c in result.changes},
        "differences_by_seed": {m: list(d) for m, d in result.differences.items()},
        "offers": [
            {
                "offer_id": o.offer_id,
                "current": _use_json(o.current),
                "proposed": _use_json(o.proposed),
            }
            for o in result.offers
        ],
    }


def _change_json(c: Change) -> dict[str, float | bool]:
    return {
        "current": c.current,
        "proposed": c.proposed,
        "change": c.change,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
        "excludes_zero": c.excludes_zero,
    }


def _use_json(use: tuple[float, float, float] | None) -> dict[str, float] | None:
    if use is None:
        return None
    shows, accepts, spend = use
    return {"shows": shows, "accepts": accepts, "spend": spend}


def report_html(result: WhatIf) -> str:
    """A self-contained page: the table, charts of the changes and of each offer's accepts."""
    return "\n".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<title>nba what-if: proposed catalogue against the current one</title>",
            "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
            "td,th{padding:.2rem .6rem;text-align:right}td:first-child{text-align:left}"
            "</style></head><body>",
            "<h1>What-if: the proposed catalogue against the current one</h1>",
            report_fragment(result),
            "</body></html>",
        ]
    )


def report_fragment(result: WhatIf) -> str:
    """The report's body, to place in a page: explanation, table, three charts (SVG)."""
    level = f"{100 * (1 - result.alpha):g}%"
    body = "".join(
        f"<tr><td>{html.escape(metric)}</td><td>{current}</td><td>{proposed}</td>"
        f"<td><strong>{change}</strong></td><td>{interval}{' excludes 0' if excludes else ''}"
        "</td></tr>"
        for metric, current, proposed, change, interval, excludes in rows(result)
    )
    return "\n".join(
        [
            f"<p class='what-if-explanation'>{html.escape(_explanation(result))}</p>",
            "<table class='what-if'><thead><tr><th>metric</th><th>current</th><th>proposed</th>"
            f"<th>change</th><th>{level} interval</th></tr></thead><tbody>{body}</tbody></table>",
            *(f"<figure class='chart'>{chart.svg()}</figure>" for chart in charts(result)),
        ]
    )


_FIGURES = ("current", "proposed", "change", "ci_low", "ci_high")


def result_from_json(document: Mapping[str, Any]) -> WhatIf:
    """The result `result_json` wrote, read back (for a stored run's report)."""
    changes = document["changes"]
    return WhatIf(
        steps=int(document["steps"]),
        seeds=tuple(int(s) for s in document["seeds"]),
        reward_mode=str(document["reward_mode"]),
        alpha=round(1 - float(document["confidence"]), 10),
        interval=str(document["interval"]),
        changes=tuple(Change(m, *(float(changes[m][k]) for k in _FIGURES)) for m in METRICS),
        differences={m: tuple(d) for m, d in document["differences_by_seed"].items()},
        offers=tuple(
            OfferUse(o["offer_id"], _use_of(o["current"]), _use_of(o["proposed"]))
            for o in document["offers"]
        ),
    )


def _use_of(use: Mapping[str, float] | None) -> tuple[float, float, float] | None:
    return None if use is None else (use["shows"], use["accepts"], use["spend"])


def _explanation(result: WhatIf) -> str:
    return (
        f"Both catalogues met the same simulated customers, {result.steps:,} decisions per run, "
        f"for {len(result.seeds)} seed(s) ({', '.join(map(str, result.seeds))}), with the same "
        "random draws (common random numbers); each customer got the offer with the highest "
        f"expected reward ({result.reward_mode}) among those eligible and within budget. "
        f"Figures are totals per run; intervals: {result.interval}."
    )


def charts(result: WhatIf) -> tuple[BarChart, BarChart, BarChart]:
    """The report's charts: the change in accepts, in money (cost, retained and net value),
    each with its interval, and each offer's accepts under both catalogues."""
    level = f"{100 * (1 - result.alpha):g}%"
    money = [c for c in result.changes if c.metric != "accepts"]
    return (
        _change_chart([result.change("accepts")], f"Change in accepts per run ({level} interval)",
                      "accepts"),
        _change_chart(money, f"Change in money per run ({level} interval)", "money"),
        _offer_chart(result),
    )  # fmt: skip


def rows(result: WhatIf) -> tuple[tuple[str, str, str, str, str, bool], ...]:
    """The table's rows: metric, current, proposed, change, interval, whether it excludes 0."""
    return tuple(
        (LABELS[c.metric], _plain(c.current), _plain(c.proposed), _number(c.change),
         f"[{_number(c.ci_low)}, {_number(c.ci_high)}]", c.excludes_zero)
        for c in result.changes
    )  # fmt: skip


def figures(result: WhatIf) -> tuple[WhatIfFigure, ...]:
    """Each metric's figures with a note saying what they are and what the interval says."""
    return tuple(
        WhatIfFigure(
            c.metric, LABELS[c.metric], c.current, c.proposed, c.change, c.ci_low, c.ci_high,
            c.excludes_zero, _note(result, c),
        )
        for c in result.changes
    )  # fmt: skip


def _note(result: WhatIf, c: Change) -> str:
    level = f"{100 * (1 - result.alpha):g}%"
    if c.excludes_zero:
        way = "raises" if c.change > 0 else "lowers"
        verdict = f"the interval excludes 0: the proposal {way} {LABELS[c.metric]}"
    else:
        verdict = "the interval holds 0: no clear change"
    return (
        f"{MEANINGS[c.metric]}, per run of {result.steps:,} decisions (mean over "
        f"{len(result.seeds)} seed(s)): {_plain(c.current)} with the current catalogue, "
        f"{_plain(c.proposed)} with the proposed one; change {_number(c.change)}, {level} "
        f"interval [{_number(c.ci_low)}, {_number(c.ci_high)}] ({result.interval}); {verdict}."
    )


def offer_figures(
    result: WhatIf,
) -> tuple[tuple[str, OfferFigures | None, OfferFigures | None], ...]:
    """Each offer's mean shows, accepts and spend per run under both catalogues."""
    return tuple(
        (o.offer_id, _offer_figures(o.current), _offer_figures(o.proposed)) for o in result.offers
    )


def _offer_figures(use: tuple[float, float, float] | None) -> OfferFigures | None:
    return None if use is None else OfferFigures(*use)


def explanation(result: WhatIf) -> str:
    """How the figures came about, in one paragraph."""
    return _explanation(result)


def _change_chart(changes: list[Change], title: str, unit: str) -> BarChart:
    return BarChart(
        title,
        "metric",
        f"change ({unit} per run)",
        [LABELS[c.metric] for c in changes],
        {"change": [c.change for c in changes]},
        errors={"change": ([c.ci_low for c in changes], [c.ci_high for c in changes])},
        reference=("no change", 0.0),
    )


def _offer_chart(result: WhatIf) -> BarChart:
    ids = [o.offer_id for o in result.offers]
    current = [o.current[1] if o.current else math.nan for o in result.offers]
    proposed = [o.proposed[1] if o.proposed else math.nan for o in result.offers]
    return BarChart(
        "Accepts per offer per run",
        "offer",
        "accepts per run",
        ids,
        {"current": current, "proposed": proposed},
    )


def write_json(result: WhatIf, path: str | Path) -> Path:
    """Write `result_json` to `path`."""
    out = Path(path)
    out.write_text(json.dumps(result_json(result), indent=2) + "\n", encoding="utf-8")
    return out


def write_html(result: WhatIf, path: str | Path) -> Path:
    """Write `report_html` to `path`."""
    out = Path(path)
    out.write_text(report_html(result), encoding="utf-8")
    return out


__all__ = ["LABELS", "MEANINGS", "METRICS", "charts", "explanation", "figures", "offer_figures"]
__all__ += ["report_fragment", "report_html"]
__all__ += ["result_from_json", "result_json", "rows", "table_text"]
__all__ += ["write_html", "write_json"]
