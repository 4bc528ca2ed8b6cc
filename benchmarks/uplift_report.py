"""Uplift report: interval coverage against the simulated world's truth, and its speed.

    .venv/bin/python benchmarks/uplift_report.py [--seeds 60] [--coverage-rows 2000]
        [--rows 100000] [--data-dir DIR]

Coverage: for each seed a fresh log of the world in `tests/uplift_world.py` (a known saver, a
known sleeping dog), the report by DR with its paired influence-function intervals; prints
the share of the offer x band intervals that cover the true uplift, and how often the saver
and the sleeping dog are classified right. Speed: `--rows` decisions with outcomes and
retention answers in a SQLite database, then the time of `UpliftReports.report()` (reading
the log, the reward model, every cell), median of three. Exits 1 if coverage is under 90%.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import click
import numpy as np

from nba.config import Settings
from nba.ope.uplift import SAVES, SLEEPING_DOG
from nba.runtime import build_runtime
from nba.uplift.data import retention_log
from nba.uplift.report import build_report
from tests.uplift_world import CATALOG, simulate, store_world, true_uplift, world_frame


def coverage(seeds: int, rows: int) -> dict[str, float]:
    """Share of intervals covering the truth; share of seeds calling the saver / the dog."""
    covered, saver, dog = [], [], []
    for rng in np.random.default_rng(20261201).spawn(seeds):
        log_rng, model_rng = rng.spawn(2)
        frame = world_frame(simulate(rows, log_rng))
        log = retention_log(frame, "retention_value", 100.0)
        report = build_report(
            log, reward="retention_value", computed_at=datetime.now(UTC), rng=model_rng
        )
        cells = {(c.offer_id, c.band): c for c in report.cells}
        covered += [c.ci_low <= true_uplift(c.offer_id, c.band) <= c.ci_high for c in report.cells]
        saver.append(cells[("discount", "high")].verdict == SAVES)
        dog.append(cells[("upsell", "low")].verdict == SLEEPING_DOG)
    return {
        "coverage": float(np.mean(covered)),
        "saver_called": float(np.mean(saver)),
        "sleeping_dog_called": float(np.mean(dog)),
    }


def speed(rows: int, data_dir: Path) -> float:
    """Median seconds of one on-demand report over `rows` stored decisions."""
    runtime = build_runtime(Settings(data_dir=data_dir, seed=1, trainer_enabled=False))
    try:
        for spec in CATALOG:
            runtime.catalog.add(spec)
        for start in range(0, rows, 20_000):
            chunk = simulate(min(20_000, rows - start), np.random.default_rng(start))
            store_world(runtime.database, chunk)
        times = []
        for _ in range(3):
            began = time.perf_counter()
            report = runtime.uplift.report()
            times.append(time.perf_counter() - began)
        assert report.rows == rows, report.rows
        return statistics.median(times)
    finally:
        runtime.close()


@click.command()
@click.option("--seeds", default=60, show_default=True)
@click.option("--coverage-rows", default=2000, show_default=True)
@click.option("--rows", default=100_000, show_default=True, help="Decisions for the speed run.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None)
def main(seeds: int, coverage_rows: int, rows: int, data_dir: str | None) -> None:
    found = coverage(seeds, coverage_rows)
    print(
        f"coverage of the true uplift by the 95% intervals: {100 * found['coverage']:.1f}% "
        f"({seeds} logs of {coverage_rows} decisions x 9 offer-band cells); saver called in "
        f"{100 * found['saver_called']:.0f}%, sleeping dog in "
        f"{100 * found['sleeping_dog_called']:.0f}% of logs"
    )
    with tempfile.TemporaryDirectory() as folder:
        seconds = speed(rows, Path(data_dir or folder))
    print(f"one report over {rows} stored decisions (SQLite): {seconds:.2f} s (median of 3)")
    sys.exit(0 if found["coverage"] >= 0.90 else 1)


if __name__ == "__main__":
    main()
