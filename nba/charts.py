"""Charts: one description, drawn two ways.

`LineChart` and `BarChart` describe a chart (title, labelled axes with units, named series, a
legend when there are several). `svg()` draws it with matplotlib as inline SVG, for the HTML
reports written to files; `for_browser()` gives the same description as JSON-ready data, which
the console's pages hand to a vendored Chart.js (api/console/static/charts.js), so a page view
costs no drawing on the server. matplotlib is imported on first use only.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Number = float | int
XValues = Sequence[Number] | Sequence[str] | Sequence[date]
Interval = tuple[Sequence[Number], Sequence[Number]]

SIZE_INCHES = (7.5, 3.2)
"""Wide and low, so a chart reads in a screenshot beside its table."""
MARGINS_INCHES = {"left": 0.85, "right": 0.2, "top": 0.35, "bottom": 0.7}
"""Fixed room for the title, the axis labels and one line of tick labels: laying a chart out
by measuring its text (matplotlib's constrained layout) draws it twice, doubling its cost."""
_ROTATED_BOTTOM_INCHES = 1.15
_LONGEST_FLAT_LABEL = 12


@dataclass(frozen=True)
class LineChart:
    """Lines of (x, y) per named series; `bands` shades an interval (low, high) around the
    series of the same name; `reference` is a labelled horizontal line (e.g. a budget)."""

    title: str
    x_label: str
    y_label: str
    series: Mapping[str, tuple[XValues, Sequence[Number]]]
    bands: Mapping[str, Interval] | None = None
    y_limits: tuple[float, float] | None = None
    reference: tuple[str, float] | None = None

    def svg(self) -> str:
        """The chart as inline SVG (matplotlib)."""
        return _draw_lines(self)

    def for_browser(self) -> dict[str, Any]:
        """The chart as data for the console's chart script: dates as ISO days, gaps as null."""
        return {
            "kind": "line",
            "title": self.title,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "dated": _is_dated(self.series),
            "series": [
                {
                    "name": name,
                    "x": [_plain_x(x) for x in xs],
                    "y": _plain(ys),
                    "band": None
                    if not self.bands or name not in self.bands
                    else [_plain(self.bands[name][0]), _plain(self.bands[name][1])],
                }
                for name, (xs, ys) in self.series.items()
            ],
            "y_limits": None if self.y_limits is None else list(self.y_limits),
            "reference": _reference(self.reference),
        }


@dataclass(frozen=True)
class BarChart:
    """Bars per category for each named series (side by side, or `stacked`); `errors` are
    (low, high) interval ends per series, drawn as error bars; `reference` is a labelled
    horizontal line; `legend_outside` puts the legend right of the plot, off the bars."""

    title: str
    x_label: str
    y_label: str
    categories: Sequence[str]
    series: Mapping[str, Sequence[Number]]
    errors: Mapping[str, Interval] | None = None
    stacked: bool = False
    reference: tuple[str, float] | None = None
    legend_outside: bool = False

    def svg(self) -> str:
        """The chart as inline SVG (matplotlib)."""
        return _draw_bars(self)

    def for_browser(self) -> dict[str, Any]:
        """The chart as data for the console's chart script: gaps as null."""
        return {
            "kind": "bar",
            "title": self.title,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "categories": list(self.categories),
            "series": [
                {
                    "name": name,
                    "y": _plain(values),
                    "errors": None
                    if not self.errors or name not in self.errors
                    else [_plain(self.errors[name][0]), _plain(self.errors[name][1])],
                }
                for name, values in self.series.items()
            ],
            "stacked": self.stacked,
            "reference": _reference(self.reference),
            "legend_outside": self.legend_outside,
        }


Chart = LineChart | BarChart


def line_chart(
    title: str,
    x_label: str,
    y_label: str,
    series: Mapping[str, tuple[XValues, Sequence[Number]]],
    *,
    bands: Mapping[str, Interval] | None = None,
    y_limits: tuple[float, float] | None = None,
    reference: tuple[str, float] | None = None,
) -> str:
    """A `LineChart` drawn as inline SVG."""
    return LineChart(title, x_label, y_label, series, bands, y_limits, reference).svg()


def bar_chart(
    title: str,
    x_label: str,
    y_label: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[Number]],
    *,
    errors: Mapping[str, Interval] | None = None,
    stacked: bool = False,
    reference: tuple[str, float] | None = None,
    legend_outside: bool = False,
) -> str:
    """A `BarChart` drawn as inline SVG."""
    return BarChart(
        title, x_label, y_label, categories, series, errors, stacked, reference, legend_outside
    ).svg()


def _is_dated(series: Mapping[str, tuple[XValues, Sequence[Number]]]) -> bool:
    return all(isinstance(x, date) for xs, _ in series.values() for x in xs)


def _plain(values: Sequence[Number]) -> list[float | None]:
    """Numbers as JSON takes them: NaN and infinities (gaps) as None."""
    return [float(v) if math.isfinite(float(v)) else None for v in values]


def _plain_x(x: Number | str | date) -> Number | str:
    return x.isoformat() if isinstance(x, date) else x


def _reference(reference: tuple[str, float] | None) -> dict[str, Any] | None:
    return None if reference is None else {"name": reference[0], "y": float(reference[1])}


def _draw_lines(chart: LineChart) -> str:
    is_dated = _is_dated(chart.series)
    figure, axes = _figure(rotated=not is_dated)
    for name, (xs, ys) in chart.series.items():
        x_values: list[Any] = list(xs)
        (line,) = axes.plot(x_values, list(ys), marker="o", markersize=3, label=name)
        if chart.bands and name in chart.bands:
            low, high = chart.bands[name]
            axes.fill_between(x_values, list(low), list(high), alpha=0.18, color=line.get_color())
    if chart.reference is not None:
        label, value = chart.reference
        axes.axhline(value, color="#b3261e", linestyle="--", linewidth=1, label=label)
    if chart.y_limits is not None:
        axes.set_ylim(*chart.y_limits)
    if is_dated:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

        locator = AutoDateLocator(minticks=3, maxticks=8)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        # The whole span of x, even where y is a gap (NaN); a lone day gets a week around it.
        days = [x for xs, _ in chart.series.values() for x in xs if isinstance(x, date)]
        if days:
            first, last = (float(x) for x in date2num([min(days), max(days)]))
            pad = 3.0 if first == last else 0.5  # days
            axes.set_xlim(first - pad, last + pad)
    else:
        figure.autofmt_xdate(bottom=_ROTATED_BOTTOM_INCHES / SIZE_INCHES[1])
    legend = len(chart.series) > 1 or bool(chart.reference)
    return _finish(
        figure, axes, chart.title, chart.x_label, chart.y_label, legend=legend,
        rotated=not is_dated,
    )  # fmt: skip


def _draw_bars(chart: BarChart) -> str:
    categories, series = chart.categories, chart.series
    rotated = any(len(c) > _LONGEST_FLAT_LABEL for c in categories)
    figure, axes = _figure(rotated=rotated)
    positions = list(range(len(categories)))
    width = 0.8 if chart.stacked else 0.8 / max(1, len(series))
    bottoms = [0.0] * len(categories)
    for i, (name, values) in enumerate(series.items()):
        heights = [float(v) for v in values]
        xs = positions if chart.stacked else [p - 0.4 + width * (i + 0.5) for p in positions]
        yerr = None
        if chart.errors and name in chart.errors:
            low, high = chart.errors[name]
            yerr = [
                [max(0.0, h - float(lo)) for h, lo in zip(heights, low, strict=True)],
                [max(0.0, float(hi) - h) for h, hi in zip(heights, high, strict=True)],
            ]
        axes.bar(xs, heights, width, bottom=bottoms if chart.stacked else None, label=name,
                 yerr=yerr, capsize=3)  # fmt: skip
        if chart.stacked:
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    if chart.reference is not None:
        label, value = chart.reference
        axes.axhline(value, color="#59636e", linestyle="--", linewidth=1, label=label)
    axes.set_xticks(positions, list(categories))
    axes.set_xlim(-0.6, len(categories) - 0.4)  # every category, a bar or not (NaN)
    if rotated:
        axes.tick_params(axis="x", labelrotation=30)
        for tick in axes.get_xticklabels():
            tick.set_horizontalalignment("right")
    legend = len(series) > 1 or chart.reference is not None
    return _finish(
        figure, axes, chart.title, chart.x_label, chart.y_label, legend=legend,
        outside=chart.legend_outside, rotated=rotated,
    )  # fmt: skip


def _figure(*, rotated: bool = False) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    width, height = SIZE_INCHES
    m = MARGINS_INCHES
    bottom = _ROTATED_BOTTOM_INCHES if rotated else m["bottom"]
    figure = Figure(figsize=SIZE_INCHES)
    figure.subplots_adjust(
        left=m["left"] / width,
        right=1 - m["right"] / width,
        top=1 - m["top"] / height,
        bottom=bottom / height,
    )
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
    rotated: bool = False,
) -> str:
    # Title and axis labels at fixed places in the fixed margins: placed automatically,
    # matplotlib measures every tick label first, a third of a chart's cost.
    width, height = SIZE_INCHES
    m = MARGINS_INCHES
    axes_width = width - m["left"] - m["right"]
    axes_height = height - m["top"] - (_ROTATED_BOTTOM_INCHES if rotated else m["bottom"])
    axes.set_title(title, y=1.0, pad=6)
    axes.set_xlabel(x_label)
    axes.xaxis.set_label_coords(0.5, -(0.72 if rotated else 0.3) / axes_height)
    axes.set_ylabel(y_label)
    axes.yaxis.set_label_coords(-0.62 / axes_width, 0.5)
    axes.grid(True, alpha=0.3)
    if legend and outside:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    elif legend:
        axes.legend(loc="best", fontsize="small")
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: without the XML prolog and doctype
