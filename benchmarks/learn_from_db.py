"""Learning from the database against raw VW learning on the same events.

Run: `python benchmarks/learn_from_db.py [N] [--database-url URL]` (default N=20000, a fresh
SQLite file; a PostgreSQL URL gets a scratch schema, dropped at the end). 8 offers with 5
features each, 30 context fields (15 numeric, 15 categorical).
"raw" is `VWPolicy.learn` on prebuilt events (text lines built, parsed, learned); "trainer"
is a full `Trainer.run`: read unlearned outcomes with their decisions in batches, decode
them, build events, learn, serialise the model, store the version and mark every outcome.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import policies
from nba.config import Settings
from nba.domain import Decision, EligibleOffer
from nba.learning import to_event
from nba.storage import Database
from nba.storage.decisions import add_decisions
from nba.storage.tables import OutcomeRow
from nba.trainer import Trainer

CATEGORIES = ("discount", "device", "loyalty", "data_bonus", "upsell", "service", "none")


def make_decisions(n: int, rng: np.random.Generator) -> tuple[list[Decision], list[float]]:
    """`n` logged decisions over 8 offers and 30 context fields, with their rewards."""
    offers = tuple(
        EligibleOffer(f"offer_{j}", 1, CATEGORIES[j % len(CATEGORIES)],
                      (("pct", float(5 * j)), ("months", float(j % 4)), ("kind", f"k{j % 3}"),
                       ("tier", f"t{j % 2}"), ("points", float(100 * j))))
        for j in range(8)
    )  # fmt: skip
    start = datetime.now(UTC) - timedelta(days=1)
    decisions, rewards = [], []
    for i in range(n):
        numeric = [(f"num_{k}", round(float(x), 3)) for k, x in enumerate(rng.normal(size=15))]
        categorical = [(f"cat_{k}", f"v{int(x)}") for k, x in enumerate(rng.integers(6, size=15))]
        p = rng.dirichlet(np.ones(8))
        chosen = int(rng.choice(8, p=p))
        decisions.append(
            Decision(
                id=str(uuid.UUID(bytes=rng.bytes(16), version=4)),
                ts=start + timedelta(milliseconds=i),
                customer_id=f"c{i}",
                churn_score=float(rng.random()),
                context=tuple(numeric + categorical),
                channel="app",
                eligible=offers,
                probabilities=tuple(float(x) for x in p),
                scores=(0.0,) * 8,
                chosen=offers[chosen].offer_id,
                propensity=float(p[chosen]),
                policy="vw",
                model_version=None,
            )
        )
        rewards.append(float(rng.random() < 0.1 + 0.05 * chosen))
    return decisions, rewards


def fill(database: Database, decisions: list[Decision], rewards: list[float]) -> None:
    """Log the decisions and one reported outcome each."""
    with database.session() as session:
        add_decisions(session, decisions)
        rows = [{"decision_id": d.id, "accepted": r > 0, "value": None,
                 "ts": d.ts + timedelta(seconds=1), "source":
                 "reported", "reward": r, "occurred_at": None, "learned_version": None}
                for d, r in zip(decisions, rewards, strict=True)]  # fmt: skip
        session.connection().execute(OutcomeRow.__table__.insert(), rows)  # type: ignore[attr-defined]


def _trainer_seconds(
    url: str, attempt: int, decisions: list[Decision], rewards: list[float]
) -> float:
    database = Database(url)
    database.upgrade()
    if attempt == 0:
        fill(database, decisions, rewards)
    else:  # the same rows, unlearned again
        with database.session() as session:
            session.connection().execute(
                OutcomeRow.__table__.update().values(learned_version=None)  # type: ignore[attr-defined]
            )
    settings = Settings(database_url=url, train_max_events=10 * len(decisions))
    trainer = Trainer(database, settings, np.random.default_rng(1))
    started = time.perf_counter()
    run = trainer.run()
    seconds = time.perf_counter() - started
    assert run.outcomes == len(decisions), run
    database.dispose()
    return seconds


def main() -> None:
    """Print raw and trainer events/s and their ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=20000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs; best kept")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    decisions, rewards = make_decisions(args.n, rng)
    events = [to_event(d, r) for d, r in zip(decisions, rewards, strict=True)]
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    schema = None
    if url.startswith("postgresql"):
        schema = f"nba_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(url)
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        url = url.render_as_string(hide_password=False)
    raw_s, trainer_s = [], []
    for attempt in range(args.repeat):
        raw_policy = policies.get("vw", rng=np.random.default_rng(1))
        started = time.perf_counter()
        for k in range(0, len(events), 1000):
            raw_policy.learn(events[k : k + 1000])
        raw_s.append(time.perf_counter() - started)
        trainer_s.append(_trainer_seconds(url, attempt, decisions, rewards))
    if schema is not None:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    raw_rate, trainer_rate = args.n / min(raw_s), args.n / min(trainer_s)
    backend = url.split(":")[0]
    print(f"backend   {backend}, {args.n} events, 8 offers, 30 context fields")
    print(f"raw VW    {raw_rate:8.0f} events/s (VWPolicy.learn: build text, parse, learn)")
    print(f"trainer   {trainer_rate:8.0f} events/s (read, decode, learn, save, mark)")
    print(f"ratio     {trainer_rate / raw_rate:8.2f}")


if __name__ == "__main__":
    main()
