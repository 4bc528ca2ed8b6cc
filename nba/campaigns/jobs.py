"""Campaigns started over HTTP: stored pending, run one at a time on a background thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np

from nba.campaigns.report import campaign_report
from nba.campaigns.runner import CampaignRunner
from nba.campaigns.spec import CampaignSpec
from nba.clock import utc_now
from nba.config import Settings
from nba.domain import Campaign
from nba.storage import Database, campaigns

log = logging.getLogger(__name__)


class CampaignJobs:
    """Creates campaigns and runs them in the background (the local engine); reports them."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        rng: np.random.Generator,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._rng = rng
        self._rng_lock = threading.Lock()
        self.folder = settings.database.data_dir / "campaigns"
        """Where campaigns started over HTTP read and write their files."""
        self._runner = CampaignRunner(database, settings, clock)
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, spec: CampaignSpec) -> Campaign:
        """Store the campaign (or find the unfinished one of the same terms), then run it."""
        campaign = self._runner.create(spec)
        if campaign.status != "done":
            self._started().submit(self._run, campaign.id)
        return campaign

    def new_seed(self) -> int:
        """A seed for a campaign that names none."""
        with self._rng_lock:
            return int(self._rng.integers(2**31 - 1))

    def get(self, campaign_id: str) -> Campaign:
        """A campaign with its status, plan and summary."""
        return self._runner.get(campaign_id)

    def recent(self, limit: int = 20) -> list[Campaign]:
        """The newest campaigns first, at most `limit`."""
        with self._database.session(readonly=True) as session:
            return campaigns.list_campaigns(session, limit)

    def report(self, campaign_id: str) -> dict[str, object]:
        """The campaign's report: budget use, shadow prices, effect over the holdout."""
        campaign = self._runner.get(campaign_id)
        with self._database.session(readonly=True) as session:
            figures = campaigns.group_figures(session, campaign_id)
        return campaign_report(campaign, figures)

    def close(self) -> None:
        """Stop the background thread (a running campaign finishes first)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _run(self, campaign_id: str) -> None:
        try:
            self._runner.run(campaign_id)
        except Exception:  # stored on the campaign by the runner; logged there when unexpected
            log.debug("campaign %s ended with an error", campaign_id)

    def _started(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="campaign")
            return self._executor
