"""Campaign fixtures: simulated customers, a VW model trained on their world, a database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nba.config import Settings
from nba.domain import Decision, EligibleOffer, Feedback, FeedbackKind
from nba.storage import Database, decisions, feedback, models, offers
from simulator.campaign import campaign_world, customers_frame, trained_policy
from simulator.catalog import DEFAULT_OFFERS

POPULATION = 1_200
SEED = 3
OFFER_IDS = tuple(o.id for o in DEFAULT_OFFERS[1:])
START = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
"""The time of the contact policy tests' campaigns."""


@dataclass(frozen=True)
class Model:
    policy: str
    params: dict
    data: bytes


@pytest.fixture(scope="session")
def trained() -> Model:
    """A VW model trained on 2,000 simulated decisions (once per session)."""
    policy = trained_policy(2_000, 2_000, SEED)
    return Model(policy.name, dict(policy.params), policy.save())


@pytest.fixture
def campaign_settings(sqlite_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=sqlite_url, data_dir=tmp_path, seed=7, save_interval_s=3600)


@pytest.fixture
def any_settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings on SQLite, and on PostgreSQL when it answers."""
    return Settings(database_url=db_url, data_dir=tmp_path, seed=7, save_interval_s=3600)


@pytest.fixture
def any_db(any_settings: Settings, trained: Model) -> Iterator[Database]:
    """`campaign_db` on SQLite, and on PostgreSQL when it answers."""
    yield from _database(any_settings, trained)


@pytest.fixture
def campaign_db(campaign_settings: Settings, trained: Model) -> Iterator[Database]:
    """A migrated database with the simulator's offers and the trained model active."""
    yield from _database(campaign_settings, trained)


def _database(settings: Settings, trained: Model) -> Iterator[Database]:
    database = Database(settings.database.resolved_url)
    database.upgrade()
    with database.session() as session:
        for offer in DEFAULT_OFFERS:
            offers.add_offer(session, offer)
        models.add_model_version(session, trained.policy, trained.params, trained.data, None)
    yield database
    database.dispose()


@pytest.fixture
def customers(tmp_path: Path) -> Path:
    """1,200 simulated customers in a Parquet file."""
    path = tmp_path / "customers.parquet"
    customers_frame(campaign_world(POPULATION, SEED)).to_parquet(path, row_group_size=300)
    return path


def contacted(database, customer_id: str, offer_id: str, ts: datetime, *, channel: str = "sms",
               declined: bool = False) -> None:  # fmt: skip
    """Log a decision that gave `offer_id` at `ts` (and the customer's decline an hour later)."""
    decision = Decision(
        id=str(uuid.uuid4()), ts=ts, customer_id=customer_id, churn_score=0.5, context=(),
        channel=channel, eligible=(EligibleOffer(offer_id, 1, "discount"),), probabilities=(1.0,),
        scores=(0.0,), chosen=offer_id, propensity=1.0, policy="test", model_version=None,
    )  # fmt: skip
    with database.session() as session:
        decisions.add_decisions(session, [decision])
        if declined:
            at = ts + timedelta(hours=1)
            answer = Feedback(
                FeedbackKind.ACCEPTANCE, decision.id, False, None, at, "reported", 0.0
            )
            feedback.record_once(session, answer)
