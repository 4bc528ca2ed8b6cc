"""Charts as inline SVG (matplotlib, no pyplot state): for the console and the HTML reports.

Every chart has a title, labelled axes with units and a legend when it has several series.
matplotlib is imported on first use, so code that only imports this module starts fast.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Number = float | int
XValues = Sequence[Number] | Sequence[str] | Sequence[date]

SIZE_INCHES = (7.5, 3.2)
"""Wide and low, so a chart reads in a screenshot beside its table."""


def line_chart(
    title: str,
    x_label: str,
    y_label: str,
    series: Mapping[str, tuple[XValues, Sequence[Number]]],
    *,
    bands: Mapping[str, tuple[Sequence[Number], Sequence[Number]]] | None = None,
    y_limits: tuple[float, float] | None = None,
    reference: tuple[str, float] | None = None,
) -> str:
    """Lines of (x, y) per named series; `bands` shades an interval (low, high) around the
    series of the same name; `reference` draws a labelled horizontal line (e.g. a budget)."""
    figure, axes = _figure()
    for name, (xs, ys) in series.items():
        x_values: list[Any] = list(xs)
        (line,) = axes.plot(x_values, list(ys), marker="o", markersize=3, label=name)
        if bands and name in bands:
            low, high = bands[name]
            axes.fill_between(x_values, list(low), list(high), alpha=0.18, color=line.get_color())
    if reference is not None:
        axes.axhline(reference[1], color="#b3261e", linestyle="--", linewidth=1, label=reference[0])
    if y_limits is not None:
        axes.set_ylim(*y_limits)
    figure.autofmt_xdate()
    return _finish(figure, axes, title, x_label, y_label, legend=len(series) > 1 or bool(reference))


def bar_chart(
    title: str,
    x_label: str,
    y_label: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[Number]],
    *,
    errors: Mapping[str, tuple[Sequence[Number], Sequence[Number]]] | None = None,
    stacked: bool = False,
    reference: tuple[str, float] | None = None,
    legend_outside: bool = False,
) -> str:
    """Bars per category for each named series (side by side, or `stacked`); `errors` are
    (low, high) interval ends per series, drawn as error bars; `reference` draws a labelled
    horizontal line; `legend_outside` puts the legend right of the plot, off the bars."""
    figure, axes = _figure()
    positions = list(range(len(categories)))
    width = 0.8 if stacked else 0.8 / max(1, len(series))
    bottoms = [0.0] * len(categories)
    for i, (name, values) in enumerate(series.items()):
        heights = [float(v) for v in values]
        xs = positions if stacked else [p - 0.4 + width * (i + 0.5) for p in positions]
        yerr = None
        if errors and name in errors:
            low, high = errors[name]
            yerr = [
                [max(0.0, h - float(lo)) for h, lo in zip(heights, low, strict=True)],
                [max(0.0, float(hi) - h) for h, hi in zip(heights, high, strict=True)],
            ]
        axes.bar(xs, heights, width, bottom=bottoms if stacked else None, label=name, yerr=yerr,
                 capsize=3)  # fmt: skip
        if stacked:
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    if reference is not None:
        axes.axhline(reference[1], color="#59636e", linestyle="--", linewidth=1, label=reference[0])
    axes.set_xticks(positions, list(categories))
    legend = len(series) > 1 or reference is not None
    return _finish(figure, axes, title, x_label, y_label, legend=legend, outside=legend_outside)


def _figure() -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, layout="constrained")
    return figure, figure.add_subplot()


def _finish(
    figure: Figure,
    axes: Axes,
    title: str,
    x_label: str,
    y_label: str,
    *,
    legend: bool,
    outside: bool = False,
) -> str:
    axes.set_title(title)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.grid(True, alpha=0.3)
    if legend and outside:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    elif legend:
        axes.legend(loc="best", fontsize="small")
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: without the XML prolog and doctype
