"""Hot swap under load: train + save + activate, then pick-up by every gunicorn worker; rollback.

Run: `python benchmarks/hot_swap.py [--workers 2] [--repeat 3] [--model-poll-s 0.5]`.
A fresh SQLite file in a scratch folder; `nba serve --workers N` on a free port answers three
client threads that post decisions and their outcomes. Each round trains a new version in this
process (it becomes active) and times until 30 replies in a row carry it (the threads spread over
every worker), then activates the previous version (a rollback) and times the same.
The test `tests/e2e/test_live_workers.py` checks the behaviour; the seconds live here.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import click
import requests

from nba.config import Settings
from nba.runtime import build_runtime

OFFER = {"id": "discount_10", "name": "10% off", "category": "discount", "cost": 5,
         "features": {"discount_pct": 10}}  # fmt: skip
STREAK = 30


class Load:
    """Client threads posting decisions and outcomes; keeps (time, model version) per reply."""

    def __init__(self, url: str, key: str, threads: int = 3) -> None:
        self.url, self.headers = url, {"Authorization": f"Bearer {key}"}
        self.replies: list[tuple[float, int | None]] = []
        self.errors = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]
        for thread in self.threads:
            thread.start()

    def _run(self, worker: int) -> None:
        with requests.Session() as http:
            i = 0
            while not self.stop.is_set():
                i += 1
                body = {"customer_id": f"w{worker}-{i}", "churn_score": (i % 10) / 10}
                reply = http.post(f"{self.url}/v1/decisions", json=body, headers=self.headers)
                if not reply.ok:
                    self.errors += 1
                    continue
                decided = reply.json()
                self.replies.append((time.monotonic(), decided["policy"]["model_version"]))
                http.post(f"{self.url}/v1/decisions/{decided['decision_id']}/outcome",
                          json={"accepted": i % 3 == 0}, headers=self.headers)  # fmt: skip

    def pickup_s(self, version: int, since: float, timeout_s: float = 60) -> float:
        """Seconds from `since` to the first of STREAK replies in a row served by `version`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            after = [r for r in self.replies if r[0] >= since]
            for k in range(len(after) - STREAK + 1):
                if all(v == version for _, v in after[k : k + STREAK]):
                    return after[k][0] - since
            time.sleep(0.02)
        raise SystemExit(f"version {version} was not picked up by every worker in {timeout_s} s")

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def _serve(folder: Path, url: str, workers: int, poll_s: float) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "NBA_MODEL_POLL_S": str(poll_s), "NBA_SAVE_INTERVAL_S": "3600",
           "NBA_TRAINER_ENABLED": "false"}  # fmt: skip
    command = [sys.executable, "-m", "nba", "serve", "--data-dir", str(folder), "--port",
               str(port), "--workers", str(workers), "--database-url", url]  # fmt: skip
    with open(folder / "service.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit((folder / "service.log").read_text())
        try:
            if requests.get(f"{base}/readyz", timeout=1).ok:
                return process, base
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("the service did not become ready in 60 s")


@click.command()
@click.option("--workers", default=2, show_default=True, help="gunicorn workers.")
@click.option("--repeat", default=3, show_default=True, help="Rounds of train, then rollback.")
@click.option("--model-poll-s", default=0.5, show_default=True, help="NBA_MODEL_POLL_S.")
def main(workers: int, repeat: int, model_poll_s: float) -> None:
    """Print the pick-up seconds of each round, then their median and range."""
    folder = Path(tempfile.mkdtemp(prefix="nba-hot-swap-"))
    url = f"sqlite:///{folder / 'nba.db'}"
    operator = build_runtime(Settings(database_url=url, data_dir=folder, seed=5,
                                      save_interval_s=3600))  # fmt: skip
    operator.catalog.add(OFFER)
    _, key = operator.keys.create("crm", "hot swap benchmark")
    process, base = _serve(folder, url, workers, model_poll_s)
    load = Load(base, key)
    swaps, rollbacks = [], []
    try:
        for _ in range(repeat):
            time.sleep(1.0)  # outcomes to learn
            before = operator.keeper.model_version
            started = time.monotonic()
            trained = operator.models.train()
            swaps.append(load.pickup_s(trained.version, started))
            if before is not None:
                started = time.monotonic()
                operator.models.activate(before)
                rollbacks.append(load.pickup_s(before, started))
                operator.models.activate(trained.version)
                load.pickup_s(trained.version, time.monotonic())
            line = f"v{trained.version}: train + save + activate + pick-up {swaps[-1]:.2f} s"
            if before is not None:
                line += f", rollback to v{before} {rollbacks[-1]:.2f} s"
            click.echo(line)
    finally:
        load.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        operator.close()
    for name, figures in (("train + pick-up", swaps), ("rollback pick-up", rollbacks)):
        if figures:
            click.echo(f"{name} by {workers} workers: median {statistics.median(figures):.2f} s, "
                       f"{min(figures):.2f}-{max(figures):.2f} s over {len(figures)}")  # fmt: skip
    click.echo(f"{len(load.replies)} decisions, {load.errors} errors")


if __name__ == "__main__":
    main()
