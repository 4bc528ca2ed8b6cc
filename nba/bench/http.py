"""HTTP phases: `nba serve` as a subprocess on a fresh SQLite database, driven by a few clients.

On a small machine the load generator takes some of the CPU the server would otherwise have:
each row notes the CPU per request of both; the clients speak HTTP/1.1 over kept-alive
`http.client` connections, much lighter than `requests`. Latency is measured from each
request's scheduled send time, so a server that falls behind is not hidden by the client
waiting for it (coordinated omission).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np
import requests

from nba.bench.measure import BenchOptions, Row, progress, row
from nba.bench.workload import make_offers
from nba.errors import Conflict
from nba.serving.catalog import OfferCatalog
from nba.serving.keys import KeyRing
from nba.storage import Database

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

__all__ = ["Client", "bench_http", "live_server", "server_cpu_s"]


@contextmanager
def live_server(
    options: BenchOptions, tmp: Path, database_url: str | None = None
) -> Iterator[tuple[str, str, int]]:
    """`nba serve` on a free port with the bench offers: (base URL, crm key, pid); on a fresh
    SQLite file in `tmp`, or on `database_url` (offers already there are kept)."""
    url = database_url or f"sqlite:///{tmp / 'nba.db'}"
    database = Database(url)
    try:
        database.upgrade()
        secret = KeyRing(database).create("crm", "bench")[1]
        catalog = OfferCatalog(database)
        catalog.ensure_no_action()
        for spec in make_offers(options.offers):
            with suppress(Conflict):
                catalog.add(spec)
    finally:
        database.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-c",
        "from nba.cli import main; main()",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(options.workers),
        "--threads",
        str(options.threads),
        "--database-url",
        url,
    ]
    env = {**os.environ, "NBA_SAVE_INTERVAL_S": "3600"}
    if options.seed is not None:
        env["NBA_SEED"] = str(options.seed)
    with open(tmp / "server.log", "wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, process, tmp / "server.log")
            yield base, secret, process.pid
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise click.ClickException(f"nba serve exited with {process.returncode}:\n{tail}")
        try:
            if requests.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise click.ClickException("nba serve was not ready within 60 s")


def server_cpu_s(pid: int) -> float | None:
    # Linux only: user + system CPU of the gunicorn master and its workers, from /proc.
    try:
        pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
        ticks = 0
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Client:
    """One kept-alive HTTP/1.1 connection to the server; reconnects after an error."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self._address = (host, int(port))
        self._headers = headers
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST `body` to `path`: (status, reply body); status 0 when the connection failed."""
        return self.request("POST", path, body)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """`method` on `path`: (status, reply body); status 0 when the connection failed."""
        if self._connection is None:
            self._connection = http.client.HTTPConnection(*self._address, timeout=30)
        try:
            self._connection.request(method, path, body, self._headers)
            reply = self._connection.getresponse()
            return reply.status, reply.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, b""

    def close(self) -> None:
        """Close the connection (the next call opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


Send = Callable[[Client, int], bool]


def _load(
    send: Send,
    connect: Callable[[], Client],
    *,
    count: int,
    rate: float | None,
    seconds: float,
    clients: int,
    label: str,
) -> tuple[list[float], int, float]:
    """Call `send` from `clients` threads: `count` calls open-loop at `rate`/s, or as fast as
    they go for `seconds` when `rate` is None; returns latencies (s), errors, wall time (s)."""
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter() + 0.05
    deadline = start + seconds

    def client(first: int) -> None:
        session = connect()
        try:
            i = first
            while (i < count) if rate else (time.perf_counter() < deadline):
                # Open loop: the clock starts at the scheduled time, even if this thread is late.
                due = start + i / rate if rate else time.perf_counter()
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                ok = send(session, i)
                latencies.append(time.perf_counter() - due)
                if not ok:
                    errors.append(i)
                i += clients
        finally:
            session.close()

    workers = [threading.Thread(target=client, args=(j,), daemon=True) for j in range(clients)]
    for worker in workers:
        worker.start()
    bar: ProgressBar[int]
    with progress(label, length=count if rate else int(seconds * 10)) as bar:
        while any(w.is_alive() for w in workers):
            time.sleep(0.1)
            done = len(latencies) if rate else int((time.perf_counter() - start) * 10)
            bar.update(max(done - bar.pos, 0))
    return latencies, len(errors), time.perf_counter() - start


def bench_http(
    options: BenchOptions, bodies: list[dict[str, object]], rng: np.random.Generator
) -> list[Row]:
    """Open-loop decisions, then their outcomes, then closed-loop decisions, on `nba serve`."""
    payloads = [json.dumps(b).encode() for b in bodies]
    count = max(int(options.rate * options.seconds), 1)
    ids: list[str | None] = [None] * count
    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory(prefix="nba-bench-http-") as tmp,
        live_server(options, Path(tmp)) as (base, secret, pid),
    ):
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}

        def connect() -> Client:
            return Client(base, headers)

        def decide(session: Client, i: int) -> bool:
            status, reply = session.post("/v1/decisions", payloads[i % len(payloads)])
            if status == 200 and i < count:
                ids[i] = json.loads(reply)["decision_id"]
            return status == 200

        def outcome(session: Client, i: int) -> bool:
            body = b'{"accepted": true}' if accepted[i] else b'{"accepted": false}'
            return session.post(f"/v1/decisions/{known[i]}/outcome", body)[0] == 200

        def phase(name: str, send: Send, calls: int, rate: float | None, seconds: float) -> None:
            server0, client0 = server_cpu_s(pid), time.process_time()
            lat, errors, wall = _load(
                send,
                connect,
                count=calls,
                rate=rate,
                seconds=seconds,
                clients=options.clients,
                label=name,
            )
            server1, client1 = server_cpu_s(pid), time.process_time()
            note = f"CPU ms/req: client {(client1 - client0) / max(len(lat), 1) * 1e3:.2f}"
            if server0 is not None and server1 is not None:
                note += f", server {(server1 - server0) / max(len(lat), 1) * 1e3:.2f}"
            if name != "http warm-up":
                rows.append(row(name, lat, wall, errors, note))

        phase("http warm-up", decide, 0, None, 1.0)
        ids[:] = [None] * count
        phase("http decide, open loop", decide, count, options.rate, options.seconds)
        known = [i for i in ids if i is not None]
        accepted = (rng.random(len(known)) < 0.15).tolist()
        phase("http outcome, open loop", outcome, len(known), options.rate, options.seconds)
        phase("http decide, closed loop", decide, 0, None, min(options.seconds, 5.0))
    return rows
