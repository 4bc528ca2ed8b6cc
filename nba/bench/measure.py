"""What a bench phase measures and how: options, result rows, percentiles, progress."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import click
import numpy as np

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

__all__ = ["BenchOptions", "Row", "percentiles", "progress", "row"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BenchOptions:
    """Sizes of one `nba bench decide` run; `offers` counts the built-in no_action."""

    offers: int = 10
    context_features: int = 20
    n: int = 5000
    rate: float = 300.0
    seconds: float = 10.0
    workers: int = 1
    threads: int = 4
    clients: int = 3
    seed: int | None = 0
    http: bool = True


@dataclass(frozen=True, slots=True)
class Row:
    """One phase: calls, achieved rate, latency percentiles in ms, errors."""

    phase: str
    n: int
    rate_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    note: str = ""


def percentiles(seconds: Sequence[float]) -> tuple[float, float]:
    """Median and 99th percentile in milliseconds (NaN for no calls)."""
    if not seconds:
        return float("nan"), float("nan")
    p50, p99 = np.percentile(np.asarray(seconds) * 1e3, [50, 99])
    return float(p50), float(p99)


def row(
    phase: str, seconds: Sequence[float], wall_s: float, errors: int = 0, note: str = ""
) -> Row:
    """A result row from per-call latencies in seconds and the phase's wall time."""
    p50, p99 = percentiles(seconds)
    rate = len(seconds) / wall_s if wall_s > 0 else float("nan")
    return Row(phase, len(seconds), rate, p50, p99, errors, note)


def progress(
    label: str, items: Sequence[T] | None = None, length: int | None = None
) -> ProgressBar[T]:
    """A progress bar on stderr over `items`, or over `length` steps updated by hand."""
    return click.progressbar(items, length=length, label=label.ljust(22), file=sys.stderr, width=30)
