"""`nba demo`: a fresh embedded service, real HTTP, simulated customers, a learning summary."""

from __future__ import annotations

import os
import shutil
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
    help="Where the demo database goes (default: a new temporary folder, removed at the end).",
)
@click.option(
    "--keep", is_flag=True, help="Keep the temporary folder (database, service log); say where."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    default="nba-demo-report.html",
    show_default=True,
    help="Where the HTML summary with plots goes (kept after the demo).",
)
def command(steps: int, seed: int, data_dir: str | None, keep: bool, report_path: str) -> None:
    """Start an embedded service, load sample offers, drive it over HTTP, summarise learning.

    Prints the summary, then the path of the HTML report as the last line.
    """
    from simulator.demo import format_summary, run_demo
    from simulator.demo_report import write_report

    started = time.perf_counter()
    folder = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="nba-demo-"))
    if data_dir is None:  # on success, error or Ctrl-C alike, once the service has stopped
        click.get_current_context().call_on_close(lambda: _leave(folder, keep))
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
            # Its own session: a Ctrl-C reaches the demo only, which stops the service once;
            # a gunicorn worker sent SIGINT and then its master's SIGQUIT can hang for good.
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_ready(base_url, server, log_path)
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
            os.killpg(server.pid, signal.SIGKILL)  # the master and its workers
            server.wait(timeout=30)
    click.echo(format_summary(summary))
    report = write_report(summary, report_path, seed=seed).resolve()
    kept = f"; service log {log_path}" if data_dir or keep else ""
    click.echo(f"demo finished in {time.perf_counter() - started:.1f} s{kept}")
    click.echo(f"report: {report}")


def _leave(folder: Path, keep: bool) -> None:
    """Remove the demo's temporary folder, or say where it is kept."""
    if keep:
        click.echo(f"kept the demo's database and service log in {folder}", err=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, lines: int = 20) -> str:
    """The last lines of the service's log (its folder may be removed right after)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def _wait_until_ready(
    base_url: str, server: subprocess.Popen, log_path: Path, timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise click.ClickException(f"the service stopped while starting:\n{_tail(log_path)}")
        try:
            if requests.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"the service did not become ready in {timeout_s:.0f} s")
