"""`nba serve`: the HTTP service under gunicorn (a production WSGI server)."""

from __future__ import annotations

import errno
import gc
import logging
import socket

import click
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from nba.cli._common import database_options, settings_from
from nba.config import Settings
from nba.errors import Conflict, InvalidInput

log = logging.getLogger(__name__)


class _GunicornLogs(glogging.Logger):
    """gunicorn's own lines (boot, worker exits) through nba's handler, formatted like the rest."""

    def setup(self, cfg: object) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True


class _Server(BaseApplication):
    """gunicorn running `api.create_app(settings)` in each worker."""

    def __init__(self, settings: Settings, options: dict[str, object]) -> None:
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> object:
        from api import create_app
        from nba.runtime import build_runtime
        from simulator.what_if_engine import SimulatorWhatIf

        # The CLI may load the simulator, the app may not: it runs the console's what-ifs.
        runtime = build_runtime(self._settings, what_if_engine=SimulatorWhatIf())
        app = create_app(runtime=runtime)

        def worker_exit(server: object, worker: object) -> None:
            runtime.close()

        self.cfg.set("worker_exit", worker_exit)
        # What start-up built (model, catalog, SQLAlchemy's metadata) lives as long as the
        # worker: keep it out of the collector's full passes, which otherwise take ~80 ms.
        gc.freeze()
        return app


@click.command("serve")
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--threads", type=int, default=4, show_default=True)
@click.option("--policy", default=None, help="Policy name for a fresh model (default vw).")
@database_options
def command(
    host: str | None,
    port: int | None,
    workers: int,
    threads: int,
    policy: str | None,
    database_url: str | None,
    data_dir: str | None,
) -> None:
    """Serve the HTTP API."""
    settings = settings_from(database_url, data_dir, host=host, port=port, policy=policy)
    options = {
        "bind": f"{settings.serving.host}:{settings.serving.port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 30,
        "accesslog": None,  # nba's own access log (NBA_ACCESS_LOG) knows path templates and keys
        "logger_class": _GunicornLogs,
    }
    check_port(settings.serving.host, settings.serving.port)
    click.echo(f"serving on http://{settings.serving.host}:{settings.serving.port}", err=True)
    _Server(settings, options).run()


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, a port another process listens on (Conflict) or a host this
    machine cannot bind (InvalidInput), before gunicorn retries it for five seconds."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        problem = f"{host!r} is not an address of this machine ({error})"
        raise InvalidInput("host", problem) from None
    with socket.socket(family, kind, proto) as probe:
        # As gunicorn does: a port left in TIME_WAIT by a stopped server is free to bind.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise Conflict(
                    f"port {port} is in use on {host}: stop the other service or pass --port N "
                    "(or set NBA_PORT)",
                    field="port",
                ) from None
            if error.errno == errno.EACCES:
                raise InvalidInput(
                    "port", f"{port} needs privileges on this machine: pass --port above 1023"
                ) from None
            problem = f"cannot listen on {host}:{port}: {error.strerror}"
            raise InvalidInput("host", problem) from None
