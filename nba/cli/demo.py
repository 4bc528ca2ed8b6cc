"""`nba demo`: a fresh embedded service, real HTTP, simulated customers, a learning summary."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import requests

from nba.config import load_settings
from nba.serving.keys import KeyRing
from nba.storage import Database


@click.command("demo")
@click.option("--steps", type=int, default=4000, show_default=True, help="Simulated decisions.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the demo database goes (default: a new temporary folder).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    default="nba-demo-report.html",
    show_default=True,
    help="Where the HTML summary with plots goes (kept after the demo).",
)
def command(steps: int, seed: int, data_dir: str | None, report_path: str) -> None:
    """Start an embedded service, load sample offers, drive it over HTTP, summarise learning.

    Prints the summary, then the path of the HTML report as the last line.
    """
    from simulator.demo import format_summary, run_demo
    from simulator.demo_report import write_report

    started = time.perf_counter()
    folder = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="nba-demo-"))
    settings = load_settings(data_dir=folder).model_copy(update={"database_url": None})
    database = Database(settings.database.resolved_url)
    database.upgrade()
    keys = KeyRing(database)
    _, crm_key = keys.create("crm", "demo CRM")
    _, marketer_key = keys.create("marketer", "demo marketer")
    database.dispose()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = folder / "service.log"
    with open(log_path, "w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "nba", "serve", "--data-dir", str(folder), "--port",
             str(port), "--workers", "1", "--threads", "4"],
            stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_ready(base_url, server)
        click.echo(f"nba service on {base_url} (gunicorn), database in {folder}", err=True)
        with click.progressbar(length=steps, label="simulated customers") as bar:
            summary = run_demo(
                base_url, crm_key=crm_key, marketer_key=marketer_key, steps=steps, seed=seed,
                progress=bar.update,
            )  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    click.echo(format_summary(summary))
    report = write_report(summary, report_path, seed=seed).resolve()
    click.echo(f"demo finished in {time.perf_counter() - started:.1f} s; service log {log_path}")
    click.echo(f"report: {report}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(base_url: str, server: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise click.ClickException("the service stopped while starting; see its log")
        try:
            if requests.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"the service did not become ready in {timeout_s:.0f} s")
