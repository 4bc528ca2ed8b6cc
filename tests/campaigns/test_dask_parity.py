"""The Dask engine gives the local engine's assignments on the same input (2-worker cluster),
under the same contact policy and history."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from nba.campaigns import CampaignRunner, CampaignSpec, LocalEngine
from nba.serving.contacts import ContactPolicies
from nba.storage import Database
from tests.campaigns.conftest import OFFER_IDS, START, contacted

distributed = pytest.importorskip("dask.distributed")


def _history(database: Database) -> None:
    """Suppressed customers, some at the window limit, some cooling after a decline."""
    policies = ContactPolicies(database)
    policies.set_policy({"limits": [{"max_offers": 2, "window_days": 7}],
                         "decline_cooldown": {"categories": {"discount": 14}}})  # fmt: skip
    for i in range(20):
        policies.suppress({"customer_id": f"c{i}", "reason": "asked"})
    for i in range(20, 80):
        contacted(database, f"c{i}", "discount_10", START - timedelta(days=2), declined=True)
        if i < 40:
            contacted(database, f"c{i}", "data_bonus", START - timedelta(days=1))


def test_the_dask_engine_assigns_as_the_local_engine_does(
    campaign_db, campaign_settings, customers, tmp_path
):
    from nba.campaigns.dask_engine import DaskEngine

    _history(campaign_db)
    # Each engine runs on its own copy of the database: the first run's decisions would
    # otherwise be contacts for the second.
    campaign_db.dispose()
    source = Path(str(make_url(campaign_settings.database.resolved_url).database))
    shutil.copyfile(source, tmp_path / "dask.db")
    databases = {"local": campaign_db, "dask": Database(f"sqlite:///{tmp_path / 'dask.db'}")}
    results = {}
    plans = {}
    summaries = {}
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    engines = {"local": LocalEngine(), "dask": DaskEngine(distributed.Client(cluster))}
    try:
        for name, engine in engines.items():
            runner = CampaignRunner(databases[name], campaign_settings, clock=lambda: START)
            spec = CampaignSpec(
                input=str(customers), out=str(tmp_path / f"{name}.parquet"), offers=OFFER_IDS,
                seed=9, budgets=(("discount_25", 6.0),), spend=(("technician_visit", 300.0),),
                holdout=0.1, exploration=0.05, batch_size=500, channel="sms",
            )  # fmt: skip
            done = runner.run(runner.create(spec).id, engine=engine)
            plans[name] = done.plan
            summaries[name] = done.summary["contact_rules"]
            results[name] = (
                pd.read_parquet(spec.out).drop(columns=["decision_id"]).sort_values("row")
            ).reset_index(drop=True)
    finally:
        engines["dask"].close()
        cluster.close()
        databases["dask"].dispose()
    assert plans["dask"]["prices"] == plans["local"]["prices"]
    assert plans["local"]["prices"]["technician_visit"] > 0  # a budget that binds
    pd.testing.assert_frame_equal(results["dask"], results["local"])
    assert summaries["dask"] == summaries["local"]
    assert {rule: c["customers"] for rule, c in summaries["local"].items()} == {
        "suppressed": 20, "quiet_hours": 0, "contact_limit": 20, "cooldown": 40
    }  # fmt: skip
