"""A real nba service for simulator tests: Flask's own server on a free port, in a thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from werkzeug.serving import make_server

from api import create_app
from nba.config import Settings
from nba.runtime import Runtime, build_runtime

logging.getLogger("werkzeug").setLevel(logging.WARNING)


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
