"""Load: a realistic mix on `nba serve` (gunicorn) from many clients in other processes.

Run: `python benchmarks/load.py [--seconds 20] [--workers 2] [--database-url URL]
[--rate 300] [--kill-worker-at 10]`.
The server is `nba.bench.http.live_server`: a fresh SQLite file in a scratch folder, or the
PostgreSQL (or other) database of `--database-url`, with the bench offers and a crm key. Client
processes (never threads inside the server) send, open loop, 60% decisions, 30% outcomes of
their own earlier acknowledged decisions and 10% offer reads, at `--rate` decisions/s (so the
whole mix runs at rate / 0.6 requests/s); latency counts from each request's scheduled send time.
With `--kill-worker-at S`, one gunicorn worker gets SIGKILL at S seconds; afterwards the database
must hold every acknowledged (2xx) decision and outcome. Requests whose connection was open
before the kill and that failed after it are counted apart ("at kill"), not as errors.
Target on the 2-core machine: >= 300 decisions/s with p99 <= 25 ms and zero errors.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

import click
import numpy as np
import sqlalchemy as sa
from tqdm import tqdm

from nba.bench.http import Client, live_server, server_cpu_s
from nba.bench.measure import BenchOptions, percentiles
from nba.bench.workload import make_contexts
from nba.storage import Database

KINDS = ("decision", "outcome", "offers")
MIX = (0.6, 0.3, 0.1)
TARGET_RATE, TARGET_P99_MS = 300.0, 25.0


@dataclass(frozen=True, slots=True)
class Plan:
    """What every client process needs: where, what, and when."""

    base: str
    secret: str
    payloads: list[bytes]
    kinds: list[int]  # index into KINDS per request number
    start: float  # time.monotonic() of request 0 (system-wide clock on Linux)
    rate: float  # requests/s of the whole mix
    clients: int  # threads over all processes


# One reply: kind, scheduled, sent, ended (monotonic s), status (0: connection failed),
# monotonic time the connection was opened, id written ("" for reads and failures).
Reply = tuple[int, float, float, float, int, float, str]


def _client_process(
    plan: Plan, slots: list[int], done: Synchronized[int], out: Queue[tuple[list[Reply], float]]
) -> None:
    replies: list[Reply] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {plan.secret}", "Content-Type": "application/json"}

    def run(slot: int) -> None:
        client = Client(plan.base, headers)
        pending: deque[str] = deque()
        mine: list[Reply] = []
        connected_at = time.monotonic()
        fresh = False
        try:
            for i in range(slot, len(plan.kinds), plan.clients):
                due = plan.start + i / plan.rate
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                kind = plan.kinds[i]
                if kind == 1 and not pending:
                    kind = 0  # nothing to answer yet: a decision instead
                sent = time.monotonic()
                if fresh:
                    connected_at, fresh = sent, False
                written = ""
                if kind == 0:
                    status, body = client.post(
                        "/v1/decisions", plan.payloads[i % len(plan.payloads)]
                    )
                    if 200 <= status < 300:
                        written = json.loads(body)["decision_id"]
                        pending.append(written)
                elif kind == 1:
                    decision = pending.popleft()
                    answer = b'{"accepted": true}' if i % 7 == 0 else b'{"accepted": false}'
                    status, _ = client.post(f"/v1/decisions/{decision}/outcome", answer)
                    written = decision if 200 <= status < 300 else ""
                else:
                    status, _ = client.request("GET", "/v1/offers")
                ended = time.monotonic()
                mine.append((kind, due, sent, ended, status, connected_at, written))
                fresh = status == 0  # the client reconnects on its next call
                with done.get_lock():
                    done.value += 1
        finally:
            client.close()
            with lock:
                replies.extend(mine)

    threads = [threading.Thread(target=run, args=(slot,)) for slot in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((replies, time.process_time()))


def _workers(master: int) -> list[int]:
    """The gunicorn worker pids: the master's children, from /proc (Linux)."""
    return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def _drive(
    plan: Plan, processes: int, seconds: float, master: int, kill_at: float | None
) -> tuple[list[Reply], float | None, str]:
    """Run the client processes with a progress bar; kill a worker at `kill_at` s if asked."""
    server0 = server_cpu_s(master)  # live processes only: a killed worker's CPU is not counted
    context = mp.get_context("fork")
    done = context.Value("l", 0)
    out: Queue[tuple[list[Reply], float]] = context.Queue()
    slots = [list(range(p, plan.clients, processes)) for p in range(processes)]
    procs = [context.Process(target=_client_process, args=(plan, s, done, out)) for s in slots]
    for proc in procs:
        proc.start()
    killed_at: float | None = None
    total = len(plan.kinds)
    with tqdm(total=total, desc="load", unit="req", file=sys.stderr) as bar:
        while done.value < total and any(p.is_alive() for p in procs):
            time.sleep(0.2)
            if (
                kill_at is not None
                and killed_at is None
                and time.monotonic() >= plan.start + kill_at
            ):
                victim = _workers(master)[0]
                os.kill(victim, signal.SIGKILL)
                killed_at = time.monotonic()
                tqdm.write(
                    f"SIGKILL to worker {victim} at {killed_at - plan.start:.1f} s", file=sys.stderr
                )
            bar.update(done.value - bar.n)
        bar.update(done.value - bar.n)
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    replies = [reply for part, _ in results for reply in part]
    n = max(len(replies), 1)
    note = f"CPU ms/request: clients {sum(cpu for _, cpu in results) / n * 1e3:.2f}"
    server1 = server_cpu_s(master)
    if server0 is not None and server1 is not None:
        note += f", server {(server1 - server0) / n * 1e3:.2f}"
    return replies, killed_at, note


def _lost(url: str, replies: list[Reply]) -> tuple[int, int, int, int]:
    """(acknowledged decisions, missing from the database, acknowledged outcomes, missing)."""
    decisions = [r[6] for r in replies if r[0] == 0 and r[6]]
    outcomes = [r[6] for r in replies if r[0] == 1 and r[6]]
    database = Database(url)
    try:
        with database.session(readonly=True) as session:

            def stored(table: str, column: str, ids: list[str]) -> int:
                found = 0
                for k in range(0, len(ids), 500):
                    query = sa.text(f"SELECT COUNT(*) FROM {table} WHERE {column} IN :ids")
                    query = query.bindparams(sa.bindparam("ids", expanding=True))
                    found += int(session.execute(query, {"ids": ids[k : k + 500]}).scalar_one())
                return found

            d_found = stored("decisions", "id", decisions)
            o_found = stored("outcomes", "decision_id", outcomes)
    finally:
        database.dispose()
    return len(decisions), len(decisions) - d_found, len(outcomes), len(outcomes) - o_found


def _report(replies: list[Reply], start: float, killed_at: float | None) -> bool:
    """Print a row per endpoint; True when the decisions meet the target."""
    wall = max(r[3] for r in replies) - start
    columns = ("count", "ok/s", "p50 ms", "p99 ms", "errors", "at kill")
    click.echo(f"{'endpoint':<10}" + "".join(f"{c:>9}" for c in columns))
    verdict = True
    for kind, name in enumerate(KINDS):
        mine = [r for r in replies if r[0] == kind]
        at_kill = [
            r for r in mine if r[4] == 0 and killed_at is not None and r[5] < killed_at <= r[3]
        ]
        errors = sum(1 for r in mine if not 200 <= r[4] < 300) - len(at_kill)
        ok = sum(1 for r in mine if 200 <= r[4] < 300)
        p50, p99 = percentiles([r[3] - r[1] for r in mine])
        cells = (f"{len(mine)}", f"{ok / wall:.1f}", f"{p50:.1f}", f"{p99:.1f}", f"{errors}")
        click.echo(f"{name:<10}" + "".join(f"{c:>9}" for c in (*cells, f"{len(at_kill)}")))
        verdict &= errors == 0
        if kind == 0:
            verdict &= ok / wall >= TARGET_RATE and p99 <= TARGET_P99_MS
    statuses = sorted({r[4] for r in replies if not 200 <= r[4] < 300})
    if statuses:
        click.echo(f"non-2xx statuses seen (0: connection failed): {statuses}")
    return verdict


@click.command()
@click.option(
    "--database-url", default=None, help="Database of the server (default: a fresh SQLite file)."
)
@click.option("--workers", default=1, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, help="Threads per gunicorn worker.")
@click.option(
    "--rate",
    default=TARGET_RATE,
    show_default=True,
    help="Decisions/s (the whole mix: rate / 0.6).",
)
@click.option("--seconds", default=20.0, show_default=True, help="Length of the run.")
@click.option(
    "--clients", default=32, show_default=True, help="Concurrent client connections in all."
)
@click.option("--processes", default=2, show_default=True, help="Client processes.")
@click.option(
    "--offers", default=10, show_default=True, help="Offers in the catalog (with no_action)."
)
@click.option("--kill-worker-at", type=float, default=None, help="SIGKILL one worker at S seconds.")
@click.option("--seed", default=0, show_default=True)
def main(
    database_url: str | None,
    workers: int,
    threads: int,
    rate: float,
    seconds: float,
    clients: int,
    processes: int,
    offers: int,
    kill_worker_at: float | None,
    seed: int,
) -> None:
    """Drive the mix, report per endpoint, check no acknowledged write is lost, print a verdict."""
    rng = np.random.default_rng(seed)
    total_rate = rate / MIX[0]
    count = max(int(total_rate * seconds), 1)
    kinds = rng.choice(len(KINDS), size=count, p=MIX).tolist()
    payloads = [json.dumps(b).encode() for b in make_contexts(2000, 20, rng)]
    options = BenchOptions(offers=offers, workers=workers, threads=threads, seed=seed)
    with tempfile.TemporaryDirectory(prefix="nba-load-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'nba.db'}"
        with live_server(options, Path(tmp), database_url=url) as (base, secret, master):
            where = url.split("@")[-1]
            click.echo(f"nba serve: {workers} worker(s) x {threads} threads on {where}; "
                       f"{count} requests at {total_rate:.0f}/s from {clients} clients in "
                       f"{processes} processes", err=True)  # fmt: skip
            plan = Plan(base, secret, payloads, kinds, time.monotonic() + 1.0, total_rate, clients)
            replies, killed_at, cpu = _drive(plan, processes, seconds, master, kill_worker_at)
            decisions, d_lost, outcomes, o_lost = _lost(url, replies)
        verdict = _report(replies, plan.start, killed_at)
    click.echo(cpu)
    click.echo(f"acknowledged writes: {decisions} decisions ({d_lost} missing), "
               f"{outcomes} outcomes ({o_lost} missing)")  # fmt: skip
    target = f">= {TARGET_RATE:.0f} decisions/s, p99 <= {TARGET_P99_MS:.0f} ms, zero errors"
    ok = verdict and d_lost == 0 and o_lost == 0
    click.echo(f"verdict: {'PASS' if ok else 'FAIL'} (target {target}, no lost acknowledged write)")
    one, five, _ = os.getloadavg()
    click.echo(f"load average: {one:.2f} {five:.2f} (1, 5 min; other sessions share the CPU)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
