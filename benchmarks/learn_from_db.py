"""Learning from the database against raw VW learning on the same events.

Run: `python benchmarks/learn_from_db.py [N] [--database-url URL]` (default N=20000, a fresh
SQLite file; a PostgreSQL URL gets a scratch schema, dropped at the end). 8 offers with 5
features each, 30 context fields (15 numeric, 15 categorical).
Three figures on the same 20,000 events, with the same VW arguments:
- "raw VW" is the reference of the issue and of shared/vw-next-notes.md section 9: each event's
  text built from its values with plain f-strings (the notes' sanitiser), parsed, learned;
- "VWPolicy.learn" is our policy's learn on prebuilt events: the same through nba's encoder,
  which validates every value and keeps the action lines of repeated offer lists;
- "trainer" is a full `Trainer.run`: read the unlearned outcomes with their decisions in
  batches, decode them, build events, learn, serialise the model, store the version and mark
  every outcome.
"""

from __future__ import annotations

import argparse
import gc
import math
import re
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
import vowpal_wabbit_next as vw
from sqlalchemy.engine import make_url

import policies
from nba.config import Settings
from nba.domain import Decision, EligibleOffer
from nba.learning.events import to_event
from nba.learning.trainer import Trainer
from nba.storage import Database
from nba.storage.decisions import add_decisions
from nba.storage.tables import OutcomeRow
from policies.base import Event

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


_UNSAFE = re.compile(r"[\s|:\x00-\x1f]")


def _token(text: object) -> str:
    return _UNSAFE.sub("_", str(text)) or "_"


def _number(x: float) -> str:
    if not math.isfinite(x):
        raise ValueError("non-finite feature")
    return f"{x:.6g}"


def _namespace(name: str, features: tuple[tuple[str, object], ...]) -> str:
    return f"|{name} " + " ".join(
        f"{_token(k)}={_token(v)}" if isinstance(v, str) else f"{_token(k)}:{_number(float(v))}"
        for k, v in features
    )


def plain_lines(event: Event) -> list[str]:
    """VW text of one event built the plain way of the notes: no caching, no validation."""
    churn = event.context.churn_score
    shared = _namespace("s", event.context.features)
    lines = [f"shared {shared} churn:{_number(churn)} churn_dec={min(int(churn * 10), 9)}"]
    for i, candidate in enumerate(event.candidates):
        label = ""
        if i == event.chosen:
            label = f"0:{_number(-event.reward)}:{_number(event.propensity)} "
        features = (*candidate.features, ("category", candidate.category))
        lines.append(f"{label}{_namespace('a', (*features, ('offer', candidate.offer_id)))}")
    return lines


def raw_vw_seconds(events: list[Event], args: list[str]) -> float:
    """Build, parse and learn every event with a bare VW workspace."""
    workspace = vw.Workspace(args)
    parser = vw.TextFormatParser(workspace)
    started = time.perf_counter()
    for event in events:
        workspace.learn_one([parser.parse_line(line) for line in plain_lines(event)])
    return time.perf_counter() - started


def policy_seconds(events: list[Event]) -> float:
    """`VWPolicy.learn` on prebuilt events, in batches of 1,000 as the trainer learns them."""
    policy = policies.get("vw", rng=np.random.default_rng(1))
    started = time.perf_counter()
    for k in range(0, len(events), 1000):
        policy.learn(events[k : k + 1000])
    return time.perf_counter() - started


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
    # The inputs live for the whole run, like what a worker builds at start-up (`nba worker`
    # and `nba serve` freeze that): out of the collector's full passes, which would otherwise
    # traverse 40,000 decisions and events once or twice per measured run, ~90 ms each.
    gc.freeze()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    schema = None
    if url.startswith("postgresql"):
        schema = f"nba_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(url)
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        url = url.render_as_string(hide_password=False)
    args_of_policy = policies.get("vw", rng=np.random.default_rng(1)).args()
    raw_s, policy_s, trainer_s = [], [], []
    for attempt in range(args.repeat):
        raw_s.append(raw_vw_seconds(events, args_of_policy))
        policy_s.append(policy_seconds(events))
        trainer_s.append(_trainer_seconds(url, attempt, decisions, rewards))
    if schema is not None:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    raw, policy, trainer = (args.n / min(s) for s in (raw_s, policy_s, trainer_s))
    backend = url.split(":")[0]
    print(f"backend         {backend}, {args.n} events, 8 offers, 30 context fields")
    print(f"raw VW          {raw:8.0f} events/s (plain text build, parse, learn; the notes' way)")
    print(f"VWPolicy.learn  {policy:8.0f} events/s (nba's encoder, parse, learn)")
    print(f"trainer         {trainer:8.0f} events/s (read, decode, encode, learn, save, mark)")
    print(f"ratio           {trainer / raw:8.2f} of raw VW")
    print(f"                {trainer / policy:8.2f} of VWPolicy.learn")


if __name__ == "__main__":
    main()
