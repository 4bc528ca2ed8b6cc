"""The composition root shared by the HTTP app and the CLI: build every collaborator once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from apscheduler.schedulers.background import BackgroundScheduler

from nba.catalog import OfferCatalog
from nba.config import Settings
from nba.keys import KeyRing
from nba.learning import ModelKeeper
from nba.model_registry import ModelRegistry
from nba.offer_cache import OfferCache
from nba.service import DecisionService
from nba.storage import Database

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything one nba process needs, built from Settings; `close()` saves the model."""

    settings: Settings
    database: Database
    catalog: OfferCatalog
    keys: KeyRing
    keeper: ModelKeeper
    service: DecisionService
    models: ModelRegistry
    scheduler: BackgroundScheduler | None = field(default=None)

    def start_jobs(self) -> None:
        """Start the scheduler: periodic model saves and default outcomes."""
        if self.scheduler is not None:
            return
        scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
        scheduler.add_job(
            self.save_model,
            "interval",
            seconds=self.settings.save_interval_s,
            id="save_model",
            max_instances=1,
            coalesce=True,
        )
        scheduler.add_job(
            self.service.apply_default_outcomes,
            "interval",
            seconds=self.settings.default_outcome_interval_s,
            id="default_outcomes",
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        self.scheduler = scheduler
        log.info("scheduler started")

    def save_model(self) -> int | None:
        """Save the live policy as a new model version if it learned since the last save."""
        try:
            return self.keeper.save(self.database)
        except Exception:
            log.exception("saving the model failed")
            return None

    def close(self) -> None:
        """Stop jobs, save what was learned, release the database."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
        self.save_model()
        self.database.dispose()


def build_runtime(settings: Settings) -> Runtime:
    """Open the database (migrating it), and build catalog, keys, model keeper and service."""
    database = Database(settings.resolved_database_url)
    database.upgrade()
    root = np.random.default_rng(settings.seed)
    policy_rng, service_rng, registry_rng = root.spawn(3)
    cache = OfferCache(database, ttl_s=settings.offer_cache_s)
    catalog = OfferCatalog(database, cache)
    catalog.ensure_no_action()
    keys = KeyRing(database)
    if settings.bootstrap_admin_key:
        keys.ensure(settings.bootstrap_admin_key, "admin", "bootstrap")
    keeper = ModelKeeper.start(
        database,
        policy_name=settings.policy,
        policy_params=dict(settings.policy_params),
        rng=policy_rng,
    )
    service = DecisionService(
        database=database,
        keeper=keeper,
        offer_cache=cache,
        settings=settings,
        rng=service_rng,
    )
    registry = ModelRegistry(database, keeper, registry_rng)
    return Runtime(settings, database, catalog, keys, keeper, service, registry)
