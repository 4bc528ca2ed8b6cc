"""The ceiling for `nba serve`: the least a durable VW decision over Flask must do (issue 16).

Checks a bearer key, parses the JSON body, builds the `cb_explore_adf` text example from the
context and a fixed catalogue (no_action + the 7 offers of simulator.catalog.DEFAULT_OFFERS),
predicts with VW (nba's default VW arguments), samples an offer, commits one row into SQLite
(WAL, synchronous=NORMAL) and replies. Under gunicorn in the shape of `nba serve`:
`python benchmarks/reference_service.py --port P --key K --db F [--workers 1 --threads 4]`.
"""

from __future__ import annotations

import argparse
import hmac
import math
import random
import re
import sqlite3
import threading
import time
import uuid
from contextlib import closing
from typing import cast

import vowpal_wabbit_next as vw
from flask import Flask, Response, abort, jsonify, request
from gunicorn.app.base import BaseApplication

# VWPolicy's defaults (exploration squarecb, policies/vw/params.py `VWParams.args`).
VW_ARGS = [
    "--cb_explore_adf",
    "--squarecb",
    "--gamma_scale",
    "100.0",
    "--gamma_exponent",
    "0.5",
    "--epsilon",
    "0.02",
    "-q",
    "sa",
    "-b",
    "18",
    "-l",
    "0.5",
    "--power_t",
    "0.5",
    "--random_seed",
    "0",
    "--quiet",
]
CATALOGUE = [
    ("no_action", "none", ""),
    ("discount_10", "discount", "discount_pct:10"),
    ("discount_25", "discount", "discount_pct:25"),
    ("device_upgrade", "device", ""),
    ("loyalty_programme", "loyalty", ""),
    ("data_bonus", "data_bonus", "data_gb:10"),
    ("technician_visit", "service", ""),
    ("premium_upsell", "upsell", ""),
]
_BAD = re.compile(r"[\s|:\x00-\x1f]")
SCHEMA = """CREATE TABLE IF NOT EXISTS decisions (id TEXT PRIMARY KEY, customer_id TEXT,
    offer_id TEXT, probability REAL, decided_at REAL, context TEXT)"""


def tok(text: object) -> str:
    """A user text as one VW feature name (no namespace, split or value separator)."""
    return _BAD.sub("_", str(text)) or "_"


def shared_line(churn: float, context: dict[str, object]) -> str:
    """The shared line: churn raw and as a decile, numbers as `k:v`, the rest as `k=v`."""
    parts = [f"shared |s churn:{churn:.6g} churn_dec={min(int(churn * 10), 9)}"]
    for key, value in context.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                abort(400, f"context.{key} must be finite")
            parts.append(f"{tok(key)}:{value:.6g}")
        else:
            parts.append(f"{tok(key)}={tok(value)}")
    return " ".join(parts)


def create_app(db_path: str, key: str, seed: int = 0) -> Flask:
    """The reference app: one Workspace (locked), one SQLite connection per thread."""
    app = Flask(__name__)
    with closing(sqlite3.connect(db_path)) as setup:
        setup.execute(SCHEMA)
    workspace = vw.Workspace(VW_ARGS)
    parser = vw.TextFormatParser(workspace)
    lock, local, rng = threading.Lock(), threading.local(), random.Random(seed)
    expected = f"Bearer {key}".encode()
    # Parsed once and reused, as nba's offer cache does (policies/vw/examples.py).
    offers = [parser.parse_line(f"|a offer={i} category={c} {f}".rstrip()) for i, c, f in CATALOGUE]

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(db_path, timeout=30)
            local.db.execute("PRAGMA journal_mode=WAL")
            local.db.execute("PRAGMA synchronous=NORMAL")
            local.db.execute(SCHEMA)
        return local.db

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    @app.post("/v1/decisions")
    def decide() -> Response:
        given = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            abort(401)
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, "the body must be a JSON object")
        customer, churn, context = (
            body.get("customer_id"),
            body.get("churn_score"),
            body.get("context", {}),
        )
        if not isinstance(customer, str) or not customer:
            abort(400, "customer_id must be a non-empty string")
        if not isinstance(churn, int | float) or isinstance(churn, bool) or not 0 <= churn <= 1:
            abort(400, "churn_score must be a number in [0, 1]")
        if not isinstance(context, dict):
            abort(400, "context must be an object")
        line = shared_line(float(churn), context)
        with lock:
            event = [parser.parse_line(line), *offers]
            pmf = cast(list[tuple[int, float]], workspace.predict_one(event))
            draw = rng.random()
        total, chosen, probability = 0.0, pmf[-1][0], pmf[-1][1]
        for index, p in pmf:
            total += p
            if draw < total:
                chosen, probability = index, p
                break
        decision_id, offer_id = uuid.uuid4().hex, CATALOGUE[chosen][0]
        db = connection()
        with db:
            db.execute(
                "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?)",
                (decision_id, customer, offer_id, probability, time.time(), line),
            )
        return jsonify(decision_id=decision_id, offer_id=offer_id, probability=probability)

    return app


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, object]) -> None:
        self._app, self._options = app, options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return self._app


def main() -> None:
    """Serve the reference app under gunicorn (gthread), as `nba serve` does."""
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--port", type=int, required=True)
    cli.add_argument("--key", required=True)
    cli.add_argument("--db", required=True)
    cli.add_argument("--workers", type=int, default=1)
    cli.add_argument("--threads", type=int, default=4)
    args = cli.parse_args()
    options = {
        "bind": f"127.0.0.1:{args.port}",
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": "gthread",
        "accesslog": None,
    }
    # Built before the fork: each worker inherits its own copy of the Workspace (notes §8).
    _Gunicorn(create_app(args.db, args.key), options).run()


if __name__ == "__main__":
    main()
