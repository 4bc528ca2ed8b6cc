"""Open-loop load at a fixed rate, in its own process; latency counted from the scheduled send.

`python benchmarks/open_loop.py --url URL --key K --requests FILE --rate 300 --seconds 20`
FILE holds one JSON `[path, body]` per line; request i sends line i (cycling when `--cycle`).
Threads pull the next request number and wait for its scheduled time `start + i / rate`; a
request sent late (all threads busy) still counts from when it was due, so a server that falls
behind is not hidden (no coordinated omission). Prints one JSON object with the latencies'
summary; `--save-ids F` writes the `decision_id` of each 200 reply to F.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nba.bench.http import Client


def due_time(start: float, rate: float, i: int) -> float:
    """When request `i` is scheduled: `start + i / rate` (not when a thread got free)."""
    return start + i / rate


def latency_from_schedule(start: float, rate: float, i: int, ended: float) -> float:
    """Latency of request `i` that ended at `ended`: from its scheduled time, not its send."""
    return ended - due_time(start, rate, i)


def summary(latencies: list[float], errors: int, wall: float) -> dict[str, float]:
    """Count, achieved rate, p50/p99/max in ms, errors."""
    ms = np.asarray(latencies) * 1e3 if latencies else np.zeros(1)
    return {
        "count": len(latencies),
        "rate": len(latencies) / wall if wall else 0.0,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "errors": errors,
    }


def run(
    base: str, key: str, items: list[tuple[str, bytes]], rate: float, count: int, threads: int
) -> tuple[dict[str, float], list[str]]:
    """Send `count` requests at `rate`/s from `threads` threads; (summary, decision ids)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    numbers, lock = itertools.count(), threading.Lock()
    latencies: list[float] = []
    ids: list[str] = []
    errors = [0]
    start = time.perf_counter() + 0.1

    def client() -> None:
        session = Client(base, headers)
        while True:
            with lock:
                i = next(numbers)
            if i >= count:
                break
            delay = due_time(start, rate, i) - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            path, body = items[i % len(items)]
            status, reply = session.post(path, body)
            latency = latency_from_schedule(start, rate, i, time.perf_counter())
            with lock:
                latencies.append(latency)
                if status != 200:
                    errors[0] += 1
                elif path == "/v1/decisions":
                    ids.append(json.loads(reply)["decision_id"])
        session.close()

    pool = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return summary(latencies, errors[0], time.perf_counter() - start), ids


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--url", required=True)
    cli.add_argument("--key", required=True)
    cli.add_argument("--requests", required=True, type=Path)
    cli.add_argument("--rate", type=float, default=300.0)
    cli.add_argument("--seconds", type=float, default=20.0)
    cli.add_argument("--threads", type=int, default=16)
    cli.add_argument("--cycle", action="store_true", help="repeat the file's requests")
    cli.add_argument("--save-ids", type=Path, default=None)
    args = cli.parse_args()
    items = [(p, json.dumps(b).encode()) for p, b in map(json.loads, args.requests.open())]
    count = int(args.rate * args.seconds)
    if not args.cycle:
        count = min(count, len(items))
    result, ids = run(args.url, args.key, items, args.rate, count, args.threads)
    if args.save_ids:
        args.save_ids.write_text("\n".join(ids))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
