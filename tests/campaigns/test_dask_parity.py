"""The Dask engine gives the local engine's assignments on the same input (2-worker cluster)."""

from __future__ import annotations

import pandas as pd
import pytest

from nba.campaigns import CampaignRunner, CampaignSpec, LocalEngine
from tests.campaigns.conftest import OFFER_IDS

distributed = pytest.importorskip("dask.distributed")


def test_the_dask_engine_assigns_as_the_local_engine_does(
    campaign_db, campaign_settings, customers, tmp_path
):
    from nba.campaigns.dask_engine import DaskEngine

    runner = CampaignRunner(campaign_db, campaign_settings)
    results = {}
    plans = {}
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    engines = {"local": LocalEngine(), "dask": DaskEngine(distributed.Client(cluster))}
    try:
        for name, engine in engines.items():
            spec = CampaignSpec(
                input=str(customers), out=str(tmp_path / f"{name}.parquet"), offers=OFFER_IDS,
                seed=9, budgets=(("discount_25", 6.0),), spend=(("technician_visit", 300.0),),
                holdout=0.1, exploration=0.05, batch_size=500,
            )  # fmt: skip
            done = runner.run(runner.create(spec).id, engine=engine)
            plans[name] = done.plan
            results[name] = (
                pd.read_parquet(spec.out).drop(columns=["decision_id"]).sort_values("row")
            ).reset_index(drop=True)
    finally:
        engines["dask"].close()
        cluster.close()
    assert plans["dask"]["prices"] == plans["local"]["prices"]
    assert plans["local"]["prices"]["technician_visit"] > 0  # a budget that binds
    pd.testing.assert_frame_equal(results["dask"], results["local"])
