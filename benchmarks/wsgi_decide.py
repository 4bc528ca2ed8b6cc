"""CPU per decision of the nba app and of the reference app, called as WSGI apps in one thread.

Run: `python benchmarks/wsgi_decide.py [--n 2000] [--profile cumulative]` (from the repository
root). No gunicorn, no sockets, no load generator: the same body (customer_id varied) as
benchmarks/http_ceiling.py, sent 300 times to warm up, then `--n` times per repeat, to each app
in turn; prints process CPU and wall time per request. The nba app is `create_app` on a fresh
SQLite file with the 7 sample offers, without background jobs. `--profile KEY` prints cProfile's
top of one nba repeat instead, sorted by KEY (cumulative, tottime).
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np
from flask import Flask

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _environ(body: bytes, key: str) -> dict[str, object]:
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/v1/decisions", "SERVER_NAME": "bench",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {key}",
    }  # fmt: skip


def _run(app: Flask, key: str, bodies: list[bytes], n: int) -> tuple[float, float]:
    """CPU and wall ms per request over `n` requests; every reply must be a 200."""
    statuses: list[str] = []

    def start_response(status: str, headers: object, exc_info: object = None) -> None:
        statuses.append(status)

    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        reply = app(_environ(bodies[i % len(bodies)], key), start_response)  # type: ignore[arg-type]
        b"".join(reply)
        getattr(reply, "close", lambda: None)()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if set(statuses) != {"200 OK"}:
        raise click.ClickException(f"replies other than 200: {sorted(set(statuses))}")
    return cpu / n * 1e3, wall / n * 1e3


def _nba_app(folder: Path) -> tuple[Flask, str]:
    from api import create_app
    from nba.config import Settings
    from nba.runtime import build_runtime
    from nba.serving.keys import KeyRing
    from simulator.catalog import DEFAULT_OFFERS

    settings = Settings(
        data_dir=folder, database_url=f"sqlite:///{folder / 'nba.db'}", seed=0,
        save_interval_s=3600.0,
    )  # fmt: skip
    runtime = build_runtime(settings)
    key = KeyRing(runtime.database).create("crm", "wsgi bench")[1]
    for offer in DEFAULT_OFFERS:
        if offer.category != "none":
            runtime.catalog.add({"id": offer.id, "name": offer.name, "category": offer.category,
                                 "cost": offer.cost, "value": offer.value,
                                 "features": dict(offer.features)})  # fmt: skip
    return create_app(runtime=runtime, start_jobs=False), key


@click.command()
@click.option("--n", type=int, default=2000, show_default=True, help="Requests per repeat.")
@click.option("--repeats", type=int, default=3, show_default=True)
@click.option("--profile", default=None, help="cProfile one nba repeat, sorted by this key.")
def main(n: int, repeats: int, profile: str | None) -> None:
    """nba's app vs the reference app, in-process."""
    import reference_service

    from nba.bench.workload import make_contexts

    context = make_contexts(1, 20, np.random.default_rng(0))[0]
    bodies = [json.dumps({**context, "customer_id": f"c{i:05d}"}).encode() for i in range(1000)]
    folder = Path(tempfile.mkdtemp(prefix="nba-wsgi-bench-"))
    nba_app, nba_key = _nba_app(folder)
    reference = reference_service.create_app(str(folder / "reference.db"), "reference-key")
    apps = {"reference": (reference, "reference-key"), "nba": (nba_app, nba_key)}
    for app, key in apps.values():
        _run(app, key, bodies, 300)
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(_run, nba_app, nba_key, bodies, n)
        pstats.Stats(profiler).sort_stats(profile).print_stats(40)
        return
    for _ in range(repeats):
        for label, (app, key) in apps.items():
            cpu, wall = _run(app, key, bodies, n)
            click.echo(f"{label:<10} cpu {cpu:.3f} ms/request  wall {wall:.3f} ms/request")


if __name__ == "__main__":
    main()
