"""Live services on free ports: `nba serve` and `nba worker` subprocesses, or Flask in a thread."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from werkzeug.serving import make_server

from api import create_app
from nba.config import Settings
from nba.runtime import Runtime, build_runtime

logging.getLogger("werkzeug").setLevel(logging.WARNING)


def nba_env(**settings: object) -> dict[str, str]:
    """The environment of a subprocess: ours plus NBA_<NAME>=value for each setting."""
    env = dict(os.environ)
    env.update({f"NBA_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class Served:
    """A gunicorn service on a free port; `kill()` SIGKILLs its whole process group."""

    def __init__(self, folder: Path, database_url: str, workers: int = 1, **settings: object):
        self.folder, self.database_url, self.workers = folder, database_url, workers
        self.env = nba_env(**settings)
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60, attempts: int = 3) -> None:
        """Start on a free port; ready once gunicorn listens there and /readyz answers 200.

        A port probed free can be taken before gunicorn binds it (by a test on another xdist
        worker): then `nba serve` says "port N is in use" and exits (or, taken a moment later,
        gunicorn says "Connection in use"), and we start again on a new port.
        """
        for _ in range(attempts):
            if self._start_once(timeout_s):
                return
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        raise AssertionError(f"no free port after {attempts} attempts")

    def _start_once(self, timeout_s: float) -> bool:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [sys.executable, "-m", "nba", "serve", "--data-dir", str(self.folder),
                   "--port", str(self.port), "--workers", str(self.workers),
                   "--database-url", self.database_url]  # fmt: skip
        log_path = self.folder / f"service-{self.port}.log"
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            env=self.env, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            exited = self.process.poll() is not None
            text = log_path.read_text()
            if "Connection in use" in text or f"port {self.port} is in use" in text:
                return False
            assert not exited, text
            if f"Listening at: {self.url}" in text and self._ready():
                return True
            time.sleep(0.2)
        raise AssertionError(f"service did not become ready in {timeout_s:g} s:\n{text}")

    def _ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/readyz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        """SIGTERM: gunicorn stops gracefully."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)

    def kill(self) -> None:
        """SIGKILL the master and its workers (one process group): no goodbye."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def run_workers_once(folder: Path, database_url: str, n: int) -> list[str]:
    """Start `n` `nba worker --once` at the same moment; their JSON outputs."""
    command = [sys.executable, "-m", "nba", "worker", "--once", "--data-dir", str(folder),
               "--database-url", database_url]  # fmt: skip
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(n)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes)
    return outputs


@dataclass(frozen=True)
class LiveService:
    """Where the service answers, its keys, and its runtime (to look into its database)."""

    url: str
    crm_key: str
    marketer_key: str
    runtime: Runtime


@contextmanager
def live_service(settings: Settings) -> Iterator[LiveService]:
    """Serve `settings` over HTTP until the block ends (scheduled jobs off)."""
    runtime = build_runtime(settings)
    _, crm_key = runtime.keys.create("crm", "simulator")
    _, marketer_key = runtime.keys.create("marketer", "simulator")
    server = make_server("127.0.0.1", 0, create_app(runtime=runtime, start_jobs=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveService(f"http://127.0.0.1:{server.server_port}", crm_key, marketer_key, runtime)
    finally:
        server.shutdown()
        thread.join()
        runtime.close()
