"""`nba evaluate` on N logged rounds, in-process and on Dask: run time and parity.

Run: `python benchmarks/evaluate_engines.py [--rounds N] [--files F] [--n-bootstrap B]
[--scheduler local|tcp://HOST:PORT]` (default 1,000,000 rounds in 8 Parquet files, 200
resamples, a LocalCluster of 2 single-threaded worker processes). It writes a synthetic log
(`nba.ope.synthetic.decision_log`, 5 offers) to /tmp/nba-evaluate-bench, evaluates the
candidates `random` and `rules` with every default estimator on both engines as
`nba evaluate` does (reading included), and prints each engine's time and the largest
difference between their figures (estimates, intervals, lifts, diagnostics, breakdowns),
absolute and relative to the figure.
"""

from __future__ import annotations

import argparse
import math
import shutil
import time
from pathlib import Path

import numpy as np

from nba.cluster import DaskClient
from nba.logschema import write_log
from nba.ope.candidates import parse_candidate
from nba.ope.dask_engine import evaluate_on_dask
from nba.ope.evaluate import DEFAULT_ESTIMATORS
from nba.ope.logs import from_frame, read_decision_log
from nba.ope.run import EvaluationResult, run_evaluation
from nba.ope.synthetic import decision_log

FOLDER = Path("/tmp/nba-evaluate-bench")
CATEGORIES = {"offer_1": "discount", "offer_2": "loyalty", "offer_3": "upsell", "no_action": "none"}


def _figures(result: EvaluationResult) -> dict[tuple[str, ...], float]:
    out = {("baseline", k): v for k, v in result.baseline.as_dict().items()}
    for c in result.candidates:
        for e in c.estimates:
            out.update({(c.name, e.name, k): v for k, v in e.as_dict().items()})
        for row in c.by_band:
            out.update({(c.name, str(row["band"]), k): v for k, v in row.items()})
        for row in c.by_offer:
            out.update({(c.name, str(row["offer_id"]), k): v for k, v in row.items()})
    return {k: float(v) for k, v in out.items() if isinstance(v, float) and math.isfinite(v)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--n-bootstrap", type=int, default=200)
    parser.add_argument("--scheduler", default="local")
    args = parser.parse_args()
    shutil.rmtree(FOLDER, ignore_errors=True)
    start = time.perf_counter()
    frame = decision_log(args.rounds, np.random.default_rng(1))
    for i, rows in enumerate(np.array_split(np.arange(args.rounds), args.files)):
        write_log(frame.iloc[rows].reset_index(drop=True), FOLDER / f"part-{i:03d}.parquet")
    del frame
    print(f"log: {args.rounds:,} rounds in {args.files} files, {time.perf_counter() - start:.1f} s")
    candidates = [parse_candidate(spec, CATEGORIES) for spec in ("random", "rules")]
    options = (DEFAULT_ESTIMATORS, 0.05, args.n_bootstrap, 7)
    start = time.perf_counter()
    data = from_frame(read_decision_log(FOLDER))
    local = run_evaluation(data, candidates, *options, str(FOLDER))
    local_s = time.perf_counter() - start
    del data
    print(f"local engine: {local_s:.1f} s")
    with DaskClient.connect(args.scheduler) as connected:
        workers = connected.workers()
        start = time.perf_counter()
        dask = evaluate_on_dask(connected.client, str(FOLDER), candidates, *options).result
        dask_s = time.perf_counter() - start
    print(f"dask engine ({workers} workers, scheduler {args.scheduler}): {dask_s:.1f} s")
    expected, found = _figures(local), _figures(dask)
    assert expected.keys() == found.keys()
    absolute = max(abs(found[k] - v) for k, v in expected.items())
    relative = max(abs(found[k] - v) / max(abs(v), 1e-300) for k, v in expected.items() if v)
    print(f"{len(expected)} figures; largest difference {absolute:.3g} absolute, "
          f"{relative:.3g} relative")  # fmt: skip


if __name__ == "__main__":
    main()
