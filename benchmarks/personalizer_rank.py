"""Personalizer rank latency on `nba serve`, beside the retention decision's (issue 17).

Run: `python benchmarks/personalizer_rank.py [--rate 300] [--seconds 10] [--actions 10]
[--workers 1]`. One `nba serve` (gunicorn, 1 worker by default, 4 threads) on a fresh SQLite
file; three client threads send, open loop at `--rate` requests/s, first Personalizer ranks
(`POST /personalizer/v1.0/rank`, `--actions` actions with 3 features each, a context of 3
namespaces), then, as many, retention decisions (`POST /v1/decisions`, the bench's 10 offers
and 20 context fields). Latency counts from each request's scheduled send time (no
coordinated omission); beside it, the server's CPU per request (all its processes, from
/proc). Target: rank p99 <= 10 ms.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click
import numpy as np

from nba.bench.http import Client, live_server, server_cpu_s
from nba.bench.measure import BenchOptions, percentiles
from nba.bench.workload import make_contexts
from nba.clock import utc_now
from nba.personalizer.loops import LoopDirectory
from nba.serving.keys import KeyRing
from nba.storage import Database

TARGET_P99_MS = 10.0


def rank_bodies(n: int, actions: int, rng: np.random.Generator) -> list[bytes]:
    """`n` rank requests over the same `actions` actions, contexts drawn from `rng`."""
    catalog = [
        {"id": f"article-{k}", "features": [{"topic": {"kind": f"t{k % 4}", "len": 300 + k},
                                             "editor": {"pick": bool(k % 2)}}]}
        for k in range(actions)
    ]  # fmt: skip
    times = ["morning", "noon", "evening", "night"]
    bodies = []
    for _ in range(n):
        context = [{"time": {"of_day": times[int(rng.integers(4))]}},
                   {"user": {"age": int(rng.integers(18, 80)), "plan": f"p{rng.integers(3)}"}},
                   {"device": {"kind": "mobile" if rng.random() < 0.6 else "desktop"}}]  # fmt: skip
        bodies.append(json.dumps({"contextFeatures": context, "actions": catalog}).encode())
    return bodies


def drive(send: Callable[[Client, int], bool], connect: Callable[[], Client], count: int,
          rate: float, clients: int) -> tuple[list[float], int]:  # fmt: skip
    """`count` calls of `send`, open loop at `rate`/s from `clients` threads: latencies, errors."""
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter() + 0.05

    def client(first: int) -> None:
        session = connect()
        for i in range(first, count, clients):
            due = start + i / rate
            if (delay := due - time.perf_counter()) > 0:
                time.sleep(delay)
            if not send(session, i):
                errors.append(i)
            latencies.append(time.perf_counter() - due)
        session.close()

    threads = [threading.Thread(target=client, args=(j,)) for j in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, len(errors)


@click.command()
@click.option("--rate", type=float, default=300.0, show_default=True)
@click.option("--seconds", type=float, default=10.0, show_default=True)
@click.option("--actions", type=int, default=10, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True, help="gunicorn workers.")
@click.option("--seed", type=int, default=0, show_default=True)
def main(rate: float, seconds: float, actions: int, workers: int, seed: int) -> None:
    """Rank p50/p99 at RATE requests/s, then the retention decision's at the same rate."""
    rng = np.random.default_rng(seed)
    count = int(rate * seconds)
    options = BenchOptions(rate=rate, seconds=seconds, seed=seed, workers=workers)
    ranks = rank_bodies(1000, actions, rng)
    decisions = [json.dumps(b).encode() for b in make_contexts(1000, 20, rng)]
    with (
        tempfile.TemporaryDirectory(prefix="nba-bench-personalizer-") as tmp,
        live_server(options, Path(tmp)) as (base, crm_secret, pid),
    ):
        database = Database(f"sqlite:///{Path(tmp) / 'nba.db'}")
        _, secret = KeyRing(database).create("personalizer", "bench")
        LoopDirectory(database, utc_now).state("default")
        database.dispose()
        json_type = {"Content-Type": "application/json"}
        personalizer = {"Ocp-Apim-Subscription-Key": secret, **json_type}
        crm = {"Authorization": f"Bearer {crm_secret}", **json_type}

        def rank(session: Client, i: int) -> bool:
            return session.post("/personalizer/v1.0/rank", ranks[i % len(ranks)])[0] == 201

        def decide(session: Client, i: int) -> bool:
            return session.post("/v1/decisions", decisions[i % len(decisions)])[0] == 200

        # A short warm-up of each (imports, first model, caches), not counted.
        drive(rank, lambda: Client(base, personalizer), 100, rate, 3)
        drive(decide, lambda: Client(base, crm), 100, rate, 3)
        rows = []
        for name, send, headers in (("personalizer rank", rank, personalizer),
                                    ("retention decide", decide, crm)):  # fmt: skip
            cpu_before = server_cpu_s(pid) or 0.0
            latencies, errors = drive(send, lambda h=headers: Client(base, h), count, rate, 3)
            cpu_ms = ((server_cpu_s(pid) or 0.0) - cpu_before) / count * 1e3
            p50, p99 = percentiles(latencies)
            rows.append((name, count, p50, p99, errors, cpu_ms))
    click.echo(f"{'phase':<20}{'n':>7}{'rate/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
               f"{'server CPU ms/req':>19}")  # fmt: skip
    for name, n, p50, p99, errors, cpu_ms in rows:
        click.echo(f"{name:<20}{n:>7}{rate:>8.0f}{p50:>9.2f}{p99:>9.2f}{errors:>8}{cpu_ms:>19.2f}")
    verdict = "meets" if rows[0][3] <= TARGET_P99_MS else "misses"
    click.echo(f"rank p99 {rows[0][3]:.2f} ms {verdict} the {TARGET_P99_MS:g} ms target")


if __name__ == "__main__":
    main()
