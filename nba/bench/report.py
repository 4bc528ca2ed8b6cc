"""The bench results as a text table, a one-line summary and JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from nba.bench.measure import BenchOptions, Row

__all__ = ["summary", "table", "to_json"]


def _latency(ms: float) -> str:
    if ms != ms:  # NaN: no calls
        return "-"
    return f"{ms * 1e3:.0f} µs" if ms < 1 else f"{ms:.2f} ms"


def table(rows: Sequence[Row]) -> str:
    """The rows as an aligned text table."""
    head = ("phase", "n", "rate/s", "p50", "p99", "errors", "note")
    cells = [head] + [
        (
            r.phase,
            str(r.n),
            f"{r.rate_per_s:,.0f}",
            _latency(r.p50_ms),
            _latency(r.p99_ms),
            str(r.errors),
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = [
        "  ".join(
            c.ljust(w) if i in (0, 6) else c.rjust(w)
            for i, (c, w) in enumerate(zip(cell, widths, strict=True))
        ).rstrip()
        for cell in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(rows: Sequence[Row], options: BenchOptions) -> str:
    """One line: the figures against their targets."""
    by = {r.phase: r for r in rows}
    parts = []
    if "vw: encode+parse+predict" in by:
        vw_p50, preview = by["vw: encode+parse+predict"].p50_ms, by["decider.preview"].p50_ms
        ratio = preview / vw_p50
        parts.append(
            f"preview p50 {_latency(preview)} = {ratio:.2f}x raw VW "
            f"({'ok' if ratio <= 2 else 'MISSED'} <= 2x)"
        )
    parts.append(f"decide p50 {_latency(by['decider.decide (SQLite)'].p50_ms)}")
    if "http decide, open loop" in by:
        r = by["http decide, open loop"]
        verdict = "ok" if r.p99_ms <= 10 and not r.errors else "MISSED"
        most = by["http decide, closed loop"].rate_per_s
        parts.append(
            f"http p99 {_latency(r.p99_ms)} at {r.rate_per_s:.0f}/s ({verdict} <= 10 ms), "
            f"max {most:.0f}/s"
        )
    return "bench decide: " + "; ".join(parts)


def to_json(rows: Sequence[Row], options: BenchOptions) -> dict[str, object]:
    """The options and rows as a JSON-ready mapping."""
    return {
        "options": asdict(options),
        "rows": [asdict(r) for r in rows],
        "summary": summary(rows, options),
    }
