"""The composition root shared by the HTTP app and the CLI: build every collaborator once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from apscheduler.schedulers.background import BackgroundScheduler

from nba.campaigns.jobs import CampaignJobs
from nba.clock import utc_now
from nba.config import RewardMode, Settings
from nba.errors import Unavailable
from nba.evaluation.catalog_figures import CatalogFigures
from nba.evaluation.comparison import PolicyComparison
from nba.evaluation.insights import Insights
from nba.evaluation.jobs import EvaluationJobs
from nba.evaluation.summaries import DailySummaries
from nba.evaluation.what_if_jobs import WhatIfEngine, WhatIfJobs
from nba.health import HealthWeights, default_weights, load_weights
from nba.learning.apprentice import Apprentice
from nba.learning.challengers import ChallengerPool, challenger_specs
from nba.learning.drift import DriftMonitor
from nba.learning.keeper import ModelKeeper
from nba.learning.online import OnlineLearner
from nba.learning.optimizer import AutoOptimizer
from nba.learning.registry import ModelRegistry
from nba.learning.trainer import Trainer
from nba.personalizer.composition import PersonalizerParts, build_personalizer
from nba.reward import fresh_policy_params, learned_kinds
from nba.serving.audit import AuditLog
from nba.serving.catalog import OfferCatalog
from nba.serving.cold_start import with_new_offer_floor
from nba.serving.contact_rules import ContactRules
from nba.serving.contacts import ContactPolicies
from nba.serving.decider import Decider
from nba.serving.defaults import DefaultFeedbackJob
from nba.serving.feedback import FeedbackRecorder
from nba.serving.keys import KeyRing
from nba.serving.lookup import DecisionLookup
from nba.serving.offer_cache import OfferCache
from nba.serving.uplift_guard import UpliftGuard
from nba.storage import Database
from nba.uplift.service import UpliftReports

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything one nba process needs, built from Settings; `close()` trains what is left."""

    settings: Settings
    database: Database
    catalog: OfferCatalog
    keys: KeyRing
    keeper: ModelKeeper
    decider: Decider
    feedback: FeedbackRecorder
    defaults: DefaultFeedbackJob
    models: ModelRegistry
    trainer: Trainer
    refresh_rng: np.random.Generator
    apprentice: Apprentice
    drift: DriftMonitor
    evaluations: EvaluationJobs
    audit: AuditLog
    figures: CatalogFigures
    lookup: DecisionLookup
    summaries: DailySummaries
    comparison: PolicyComparison
    insights: Insights
    learner: OnlineLearner
    what_ifs: WhatIfJobs
    personalizer: PersonalizerParts
    contacts: ContactPolicies
    campaigns: CampaignJobs
    optimizer: AutoOptimizer
    uplift: UpliftReports
    scheduler: BackgroundScheduler | None = field(default=None)
    health_weights: HealthWeights = field(default_factory=default_weights)

    def start_jobs(self, *, serving: bool = True) -> None:
        """Start the scheduler: training (lease-guarded), model pick-up, defaults, monitors."""
        if self.scheduler is not None:
            return
        s = self.settings
        scheduler = BackgroundScheduler(daemon=True, timezone="UTC")

        def every(
            job: Callable[[], object], seconds: float, name: str, *, now: bool = False
        ) -> None:
            first = {"next_run_time": datetime.now(UTC)} if now else {}
            scheduler.add_job(
                _logged(job, name), "interval", seconds=seconds, id=name,
                max_instances=1, coalesce=True, **first,
            )  # fmt: skip

        if s.learning.trainer_enabled:
            every(self.save_model, s.learning.save_interval_s, "train")
        if s.database.sqlite_checkpoint_s > 0 and self.database.is_sqlite:
            self.database.take_over_checkpoints()
            every(self.database.checkpoint, s.database.sqlite_checkpoint_s, "wal_checkpoint")
        if serving:
            every(self.refresh_model, s.learning.model_poll_s, "refresh_model")
        every(self.defaults.run, s.reward.default_outcome_interval_s, "defaults")
        every(self.drift.check, s.evaluation.drift_interval_s, "drift")
        every(self.summaries.refresh, s.evaluation.summary_interval_s, "summaries", now=True)
        every(self.comparison.run, s.evaluation.comparison_interval_s, "comparison", now=True)
        if s.learning.auto_optimize and s.learning.trainer_enabled:
            every(self.optimizer.run_scheduled, s.learning.auto_optimize_interval_s, "optimize")
        if s.learning.trainer_enabled:
            every(self.uplift.refresh, s.evaluation.uplift_interval_s, "uplift", now=True)
        train_loops = s.learning.trainer_enabled
        every(lambda: self.personalizer.tick(train=train_loops), s.learning.model_poll_s, "loops")
        scheduler.start()
        self.scheduler = scheduler
        log.info("scheduler started")

    def save_model(self) -> int | None:
        """Train from the database if this process gets the lease; returns a new version."""
        run = self.trainer.run()
        if run.version is None:
            return None
        self.refresh_model()
        version = run.version.version
        if self.settings.evaluation.evaluate_versions:
            _logged(lambda: self.models.evaluate(version), "evaluate")()
        if self.settings.learning.apprentice:
            _logged(self.apprentice.check, "apprentice check")()
        return version

    def refresh_model(self) -> int | None:
        """Serve the active model version if it changed (hot swap); returns the new one."""
        if self.settings.learning.apprentice:
            self.apprentice.refresh()
        # A swap makes the learner skip answers queued before it; the catch-up learns them.
        swapped = self.keeper.refresh(self.database, self.refresh_rng)
        if swapped is not None and self.settings.learning.online_learning:
            kinds = learned_kinds(self.settings.reward.mode)
            self.keeper.catch_up(self.database, kinds)  # transient: answers the version lacks
        return swapped

    def close(self) -> None:
        """Stop jobs, train what was left (if this process may), release the database."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
        self.evaluations.close()
        self.learner.stop()
        self.what_ifs.close()
        self.personalizer.close()
        self.campaigns.close()
        if self.settings.learning.trainer_enabled:
            _logged(self.save_model, "train on close")()
            _logged(lambda: self.personalizer.trainer.run(final=True), "train loops on close")()
        _logged(self.database.checkpoint, "wal_checkpoint on close")()
        self.database.dispose()


def _logged(job: Callable[[], object], name: str) -> Callable[[], object]:
    def run() -> object:
        try:
            return job()
        except Unavailable:  # the database logs its outage once; no traceback every run
            log.debug("job %s skipped: database unavailable", name)
            return None
        except Exception:
            log.exception("job %s failed", name)
            return None

    return run


def build_runtime(
    settings: Settings,
    clock: Callable[[], datetime] = utc_now,
    what_if_engine: WhatIfEngine | None = None,
) -> Runtime:
    """Open the database (migrating it), and build catalog, keys, model keeper, decider,
    feedback recorder, defaults job and trainer; `clock` is the time all of them read.
    `what_if_engine` (the simulator's, from an entry point that has it) runs what-if jobs."""
    health_weights = load_weights(settings.serving.health_score_file)  # a bad file stops here
    database = Database(settings.database.resolved_url)
    database.upgrade()
    root = np.random.default_rng(settings.seed)
    # Spawned streams are numbered: a stream added at the end leaves the others as they were.
    streams = root.spawn(12)
    policy_rng, service_rng, registry_rng, trainer_rng, refresh_rng, baseline_rng = streams[:6]
    lookup_rng = streams[6]
    comparison_rng = streams[7]
    campaign_rng = streams[9]
    cache = OfferCache(database, ttl_s=settings.serving.offer_cache_s)
    catalog = OfferCatalog(database, cache)
    catalog.ensure_no_action()
    keys = KeyRing(database)
    if settings.serving.bootstrap_admin_key:
        keys.ensure(settings.serving.bootstrap_admin_key, "admin", "bootstrap")
    # One set of parameters for a policy started from scratch, served and trained alike.
    fresh_params = with_new_offer_floor(
        settings.policy_name,
        fresh_policy_params(
            settings.policy_name, settings.learning.policy_params, settings.reward.mode
        ),
        min_probability=settings.serving.new_offer_min_probability,
        shows=settings.serving.new_offer_shows,
    )
    keeper = ModelKeeper.start(
        database,
        policy_name=settings.policy_name,
        policy_params=fresh_params,
        rng=policy_rng,
        catch_up=learned_kinds(settings.reward.mode) if settings.learning.online_learning else (),
    )
    apprentice = Apprentice(database, settings, baseline_rng, clock)
    contact_rules = ContactRules(
        database,
        ttl_s=settings.serving.offer_cache_s,
        reward_window_days=settings.reward.window_days,
    )
    decider = Decider(
        database=database,
        keeper=keeper,
        offer_cache=cache,
        settings=settings,
        rng=service_rng,
        clock=clock,
        apprentice=apprentice,
        contact_rules=contact_rules,
        uplift_guard=(
            UpliftGuard(database, ttl_s=settings.serving.offer_cache_s)
            if settings.serving.uplift_guard
            else None
        ),
    )
    learner = OnlineLearner(keeper, queue_limit=settings.learning.online_queue)
    feedback = FeedbackRecorder(
        database=database, learner=learner, offer_cache=cache, settings=settings, clock=clock
    )
    defaults = DefaultFeedbackJob(
        database=database, recorder=feedback, settings=settings, clock=clock
    )
    trainer = Trainer(database, settings, trainer_rng, fresh_params=fresh_params, clock=clock)
    registry = ModelRegistry(database, keeper, trainer, registry_rng, settings)
    learning = settings.learning
    pool_rng, optimizer_rng = streams[10].spawn(2)
    pool = ChallengerPool(
        database, challenger_specs(learning.auto_optimize_challengers), pool_rng,
        holdout=learning.auto_optimize_holdout, batch=learning.train_batch,
    )  # fmt: skip
    if learning.auto_optimize:
        trainer.challengers = pool
    optimizer = AutoOptimizer(database, pool, registry, trainer, settings, optimizer_rng, clock)
    drift = DriftMonitor(database, settings.evaluation.drift_window, settings.evaluation.drift_z)
    summaries = DailySummaries(database, clock, settle_s=settings.evaluation.summary_settle_s)
    comparison = PolicyComparison(
        database,
        comparison_rng,
        decisions=settings.evaluation.decisions,
        reward_mode=settings.reward.mode.value,
        retention=settings.reward.mode is RewardMode.RETENTION_VALUE,
        clock=clock,
    )
    return Runtime(
        settings, database, catalog, keys, keeper, decider, feedback, defaults, registry, trainer,
        refresh_rng, apprentice, drift, EvaluationJobs(database, clock), AuditLog(database),
        CatalogFigures(database, clock),
        DecisionLookup(database, keeper, apprentice, lookup_rng),
        summaries, comparison, Insights(database, comparison, clock), learner,
        what_ifs=WhatIfJobs(database, what_if_engine, clock),
        personalizer=build_personalizer(
            database, streams[8], clock, lease_s=settings.learning.trainer_lease_s
        ),
        contacts=ContactPolicies(database, contact_rules, clock),
        campaigns=CampaignJobs(database, settings, campaign_rng, clock),
        optimizer=optimizer,
        uplift=UpliftReports(database, settings, streams[11], clock),
        health_weights=health_weights,
    )  # fmt: skip
