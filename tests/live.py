"""Live `nba serve --workers N` and `nba worker` subprocesses with their own settings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


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

    def start(self, timeout_s: float = 60) -> None:
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
            assert self.process.poll() is None, log_path.read_text()
            try:
                if requests.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise TimeoutError("service did not become ready")

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
