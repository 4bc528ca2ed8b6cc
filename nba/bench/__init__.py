"""Speed of the decision loop (`nba bench decide`): raw VW, in-process decide, HTTP service.

Every figure is a wall-clock latency per call on this machine, median and 99th percentile over
the calls of one phase, after warm-up.
"""

from __future__ import annotations

import numpy as np

from nba.bench.http import bench_http
from nba.bench.in_process import bench_in_process
from nba.bench.measure import BenchOptions, Row
from nba.bench.report import summary, table, to_json
from nba.bench.workload import make_contexts, make_offers

__all__ = [
    "BenchOptions",
    "Row",
    "make_contexts",
    "make_offers",
    "run",
    "summary",
    "table",
    "to_json",
]


def run(options: BenchOptions) -> list[Row]:
    """Every phase of `nba bench decide`, in order."""
    root = np.random.default_rng(options.seed)
    body_rng, process_rng, http_rng = root.spawn(3)
    count = max(options.n, int(options.rate * options.seconds) if options.http else 0)
    bodies = make_contexts(count, options.context_features, body_rng)
    rows = bench_in_process(options, bodies[: options.n], process_rng)
    if options.http:
        rows += bench_http(options, bodies, http_rng)
    return rows
