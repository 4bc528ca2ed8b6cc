"""What the contact policy costs a campaign: the same campaign without a policy and with one.

Run: `python benchmarks/campaign_contacts.py [--customers N] [--batch-size B] [--rounds R]`
(default 100,000 customers, batches of 20,000, two rounds, the in-process engine). It writes
N simulated customers, trains VW on 2,000 simulated decisions, and builds two SQLite databases under
/tmp/nba-contacts-bench with the simulator's offers and that model: `plain` (no policy) and
`ruled`: two window limits (overall and on sms), both cool-downs, quiet hours read in the
customer's zone, 1% of the customers suppressed, and a week of earlier decisions in the log
for 10% of them (half of those declined). It reads the ruled history batch by batch alone
and screens each batch alone, then runs the campaign (sms) on a fresh copy of each database,
plain and ruled in turn, `--rounds` times, and prints the times.
"""

from __future__ import annotations

import argparse
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from nba.campaigns import CampaignRunner, CampaignSpec
from nba.campaigns.contacts import CampaignContacts, ContactReader
from nba.campaigns.reading import checked, read_batches
from nba.config import Settings
from nba.contact_policy import Suppression
from nba.domain import Decision, EligibleOffer, Feedback, FeedbackKind
from nba.serving.contact_rules import read_policy
from nba.serving.contacts import ContactPolicies
from nba.storage import Database, contacts, decisions, feedback, models, offers
from simulator.campaign import campaign_world, customers_frame, trained_policy
from simulator.catalog import DEFAULT_OFFERS

FOLDER = Path("/tmp/nba-contacts-bench")
NOW = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
POLICY = {
    "limits": [
        {"max_offers": 3, "window_days": 30},
        {"max_offers": 1, "window_days": 7, "channel": "sms"},
    ],
    "decline_cooldown": {"offer_days": 30, "categories": {"discount": 14}},
    "quiet_hours": [
        {"channel": "sms", "start": "21:00", "end": "08:00", "timezone": "Europe/Berlin",
         "timezone_field": "tz"}
    ],
}  # fmt: skip


def _database(path: Path, data: bytes, name: str, params: dict) -> Database:
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    with database.session() as session:
        for offer in DEFAULT_OFFERS:
            offers.add_offer(session, offer)
        models.add_model_version(session, name, params, data, None)
    return database


def _history(database: Database, n: int, rng: np.random.Generator) -> int:
    """Suppress 1% of the customers, and log a week of decisions for 10% of them."""
    ContactPolicies(database).set_policy(POLICY)
    picked = rng.choice(n, size=n // 10 + n // 100, replace=False)
    suppressed = [Suppression(f"c{i}", "asked", NOW, "bench") for i in picked[: n // 100]]
    logged: list[Decision] = []
    answers: list[Feedback] = []
    for i in picked[n // 100 :].tolist():
        offer = DEFAULT_OFFERS[1 + int(rng.integers(len(DEFAULT_OFFERS) - 1))]
        ts = NOW - timedelta(days=float(rng.uniform(0.1, 7.0)))
        decision = Decision(
            id=str(uuid.uuid4()), ts=ts, customer_id=f"c{i}", churn_score=0.5, context=(),
            channel=str(rng.choice(["sms", "email"])),
            eligible=(EligibleOffer(offer.id, 1, offer.category),), probabilities=(1.0,),
            scores=(0.0,), chosen=offer.id, propensity=1.0, policy="crm", model_version=None,
        )  # fmt: skip
        logged.append(decision)
        if rng.random() < 0.5:
            at = ts + timedelta(hours=2)
            answers.append(
                Feedback(FeedbackKind.ACCEPTANCE, decision.id, False, None, at, "reported", 0.0)
            )
    with database.session() as session:
        contacts.put_suppressions(session, suppressed)
        decisions.add_decisions(session, logged)
        for answer in answers:
            feedback.record_once(session, answer)
    return len(logged)


def _campaign(database: Database, settings: Settings, customers: Path, name: str, batch: int):
    spec = CampaignSpec(
        input=str(customers), out=str(FOLDER / f"{name}.parquet"),
        offers=tuple(o.id for o in DEFAULT_OFFERS[1:]), seed=3, channel="sms",
        budgets=(("discount_25", 500.0),), batch_size=batch, send_at=NOW,
    )  # fmt: skip
    runner = CampaignRunner(database, settings, clock=lambda: NOW)
    start = time.perf_counter()
    done = runner.run(runner.create(spec).id)
    return time.perf_counter() - start, done.summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    n, batch, rounds = args.customers, args.batch_size, args.rounds
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    rng = np.random.default_rng(5)
    frame = customers_frame(campaign_world(n, 3))
    frame["tz"] = rng.choice(["Europe/Berlin", "Asia/Tokyo", "America/New_York"], n)
    customers = FOLDER / "customers.parquet"
    frame.to_parquet(customers)
    policy = trained_policy(2_000, 2_000, 3)
    data, params = policy.save(), dict(policy.params)
    plain = _database(FOLDER / "plain.db", data, policy.name, params)
    ruled = _database(FOLDER / "ruled.db", data, policy.name, params)
    logged = _history(ruled, n, rng)
    print(f"{n} customers, batches of {batch}; ruled log: {logged} earlier decisions")
    _read_and_screen(ruled, customers, batch, n)
    plain.dispose()
    ruled.dispose()
    for round_ in range(rounds):
        for name in ("plain", "ruled"):
            # A fresh copy each run: a run's own decisions would be contacts for the next.
            path = FOLDER / f"{name}-{round_}.db"
            shutil.copyfile(FOLDER / f"{name}.db", path)
            database = Database(f"sqlite:///{path}")
            settings = Settings(database_url=database.url, data_dir=FOLDER, save_interval_s=3600)
            seconds, summary = _campaign(database, settings, customers, f"{name}-{round_}", batch)
            database.dispose()
            held = {rule: c["customers"] for rule, c in summary["contact_rules"].items()}
            print(f"{name}: campaign {seconds:.1f} s ({n / seconds:,.0f} customers/s); held {held}")


def _read_and_screen(database: Database, customers: Path, batch: int, n: int) -> None:
    """Time the history reads and the screening of every batch, alone."""
    with database.session(readonly=True) as session:
        rules = CampaignContacts(read_policy(session), "sms", NOW, reward_window_days=7.0)
    reader = ContactReader(database, rules)
    read_s = screen_s = 0.0
    batches = 0
    for first, raw in read_batches(str(customers), batch):
        good, _ = checked(raw, first)
        start = time.perf_counter()
        history = reader(good.customer_ids)
        read_s += time.perf_counter() - start
        start = time.perf_counter()
        rules.held(good, DEFAULT_OFFERS, history)
        screen_s += time.perf_counter() - start
        batches += 1
    print(
        f"history read alone: {read_s:.2f} s for {batches} batches ({read_s / batches:.3f} s "
        f"a batch); screening alone: {screen_s:.2f} s ({n / screen_s:,.0f} customers/s)"
    )


if __name__ == "__main__":
    main()
