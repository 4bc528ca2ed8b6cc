"""A real `nba serve` (gunicorn) subprocess on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


class LiveService:
    """Start, stop and kill an nba service on a free port with its own data folder."""

    def __init__(self, folder: Path, database_url: str | None = None) -> None:
        self.folder = folder
        self.database_url = database_url
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
                   "--port", str(self.port)]  # fmt: skip
        if self.database_url:
            command += ["--database-url", self.database_url]
        with open(self.folder / f"service-{self.port}.log", "w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                self.folder / f"service-{self.port}.log"
            ).read_text()
            try:
                if requests.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise TimeoutError("service did not become ready")

    def stop(self) -> None:
        """SIGTERM: gunicorn stops gracefully and the worker saves its model."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)

    def kill(self) -> None:
        """SIGKILL the whole service: no goodbye, no save."""
        assert self.process is not None
        self.process.kill()
        subprocess.run(["pkill", "-9", "-f", f"--port {self.port}"], check=False)
        self.process.wait(timeout=30)
