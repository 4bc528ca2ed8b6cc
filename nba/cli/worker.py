"""`nba worker`: the background jobs (training, defaults, monitors) without the HTTP API."""

from __future__ import annotations

import gc
import signal
import threading

import click

from nba.cli._common import database_options, echo_json, settings_from
from nba.domain import FeedbackKind


@click.command("worker")
@click.option("--once", is_flag=True, help="Run training and the default answers once, then exit.")
@database_options
def command(once: bool, database_url: str | None, data_dir: str | None) -> None:
    """Run the scheduled jobs; several workers may run, one trains at a time (database lease)."""
    from nba.runtime import build_runtime

    settings = settings_from(database_url, data_dir, trainer_enabled=True, online_learning=False)
    runtime = build_runtime(settings)
    # What start-up built lives as long as the process: keep it out of the collector's full
    # passes, which a training run of 20,000 events would otherwise trigger once or twice.
    gc.freeze()
    if once:
        try:
            defaults = runtime.defaults.run()
            run = runtime.trainer.run()
        finally:
            runtime.database.dispose()
        echo_json(
            {
                "owner": runtime.trainer.owner,
                "default_outcomes": defaults[FeedbackKind.ACCEPTANCE],
                "default_retention": defaults.get(FeedbackKind.RETENTION, 0),
                "trained_version": run.version.version if run.version else None,
                "learned_outcomes": run.outcomes,
                "lease_held_by": run.held_by,
            }
        )
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    runtime.start_jobs(serving=False)
    click.echo(f"worker {runtime.trainer.owner} running; Ctrl-C stops it", err=True)
    stop.wait()
    runtime.close()
