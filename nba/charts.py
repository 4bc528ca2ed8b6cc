"""Charts as inline SVG (matplotlib, no pyplot state): for the console and the HTML reports.

Every chart has a title, labelled axes with units and a legend when it has several series.
matplotlib is imported on first use, so code that only imports this module starts fast.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ParamSpec

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

P = ParamSpec("P")
Number = float | int
XValues = Sequence[Number] | Sequence[str] | Sequence[date]

SIZE_INCHES = (7.5, 3.2)
"""Wide and low, so a chart reads in a screenshot beside its table."""
MARGINS_INCHES = {"left": 0.85, "right": 0.2, "top": 0.35, "bottom": 0.7}
"""Fixed room for the title, the axis labels and one line of tick labels: laying a chart out
by measuring its text (matplotlib's constrained layout) draws it twice, doubling its cost."""
_ROTATED_BOTTOM_INCHES = 1.15
_LONGEST_FLAT_LABEL = 12


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
    is_dated = all(isinstance(x, date) for xs, _ in series.values() for x in xs)
    figure, axes = _figure(rotated=not is_dated)
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
    if is_dated:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

        locator = AutoDateLocator(minticks=3, maxticks=8)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        # The whole span of x, even where y is a gap (NaN); a lone day gets a week around it.
        days = [x for xs, _ in series.values() for x in xs if isinstance(x, date)]
        if days:
            first, last = (float(x) for x in date2num([min(days), max(days)]))
            pad = 3.0 if first == last else 0.5  # days
            axes.set_xlim(first - pad, last + pad)
    else:
        figure.autofmt_xdate(bottom=_ROTATED_BOTTOM_INCHES / SIZE_INCHES[1])
    legend = len(series) > 1 or bool(reference)
    return _finish(figure, axes, title, x_label, y_label, legend=legend, rotated=not is_dated)


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
    rotated = any(len(c) > _LONGEST_FLAT_LABEL for c in categories)
    figure, axes = _figure(rotated=rotated)
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
    axes.set_xlim(-0.6, len(categories) - 0.4)  # every category, a bar or not (NaN)
    if rotated:
        axes.tick_params(axis="x", labelrotation=30)
        for label in axes.get_xticklabels():
            label.set_horizontalalignment("right")
    legend = len(series) > 1 or reference is not None
    return _finish(
        figure, axes, title, x_label, y_label, legend=legend, outside=legend_outside,
        rotated=rotated,
    )  # fmt: skip


class ChartCache:
    """Charts drawn once per distinct input: the same title, labels and numbers give the same
    SVG, kept for the next view (the `maxsize` most recently used; thread-safe).

    matplotlib takes ~50-150 ms per chart, so a page of charts whose figures have not changed
    since the last view is served from here; any change in the numbers draws afresh.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self._maxsize = maxsize
        self._svgs: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def draw(self, chart: Callable[P, str], *args: P.args, **kwargs: P.kwargs) -> str:
        """`chart(*args, **kwargs)` (e.g. `line_chart`), from the cache when drawn before."""
        text = repr((chart.__module__, chart.__qualname__, args, sorted(kwargs.items())))
        digest = hashlib.sha256(text.encode()).hexdigest()
        with self._lock:
            if digest in self._svgs:
                self._svgs.move_to_end(digest)
                return self._svgs[digest]
        svg = chart(*args, **kwargs)
        with self._lock:
            self._svgs[digest] = svg
            while len(self._svgs) > self._maxsize:
                self._svgs.popitem(last=False)
        return svg

    def clear(self) -> None:
        """Forget every chart (the next views draw afresh)."""
        with self._lock:
            self._svgs.clear()


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
