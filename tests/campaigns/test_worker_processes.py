"""The local engine's worker processes assign and log as one process does; decision ids."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

from nba.campaigns import CampaignRunner, CampaignSpec, LocalEngine
from nba.campaigns.records import decision_ids
from nba.errors import InvalidInput
from nba.storage.tables import CampaignAssignmentRow, DecisionRow
from tests.campaigns.conftest import OFFER_IDS, POPULATION

LOGGED = ("customer_id", "churn_score", "context", "eligible", "probabilities", "scores",
          "chosen", "chosen_version", "propensity", "policy", "model_version")  # fmt: skip


def test_two_worker_processes_assign_and_log_as_one_process_does(
    campaign_db, campaign_settings, customers, tmp_path
):
    runner = CampaignRunner(campaign_db, campaign_settings)
    outputs, plans, logged = {}, {}, {}
    for workers in (1, 2):
        spec = CampaignSpec(
            input=str(customers), out=str(tmp_path / f"{workers}.parquet"), offers=OFFER_IDS,
            seed=9, budgets=(("discount_25", 6.0),), spend=(("technician_visit", 300.0),),
            holdout=0.1, exploration=0.05, batch_size=250,
        )  # fmt: skip
        done = runner.run(runner.create(spec).id, engine=LocalEngine(workers=workers))
        plans[workers] = done.plan
        outputs[workers] = pd.read_parquet(spec.out)
        columns = [getattr(DecisionRow, c) for c in LOGGED]
        query = (
            sa.select(*columns)
            .join(CampaignAssignmentRow, CampaignAssignmentRow.decision_id == DecisionRow.id)
            .where(CampaignAssignmentRow.campaign_id == done.id)
            .order_by(DecisionRow.customer_id)
        )
        with campaign_db.session(readonly=True) as session:
            logged[workers] = [tuple(row) for row in session.execute(query)]
    assert plans[2]["prices"] == plans[1]["prices"]
    assert plans[1]["prices"]["technician_visit"] > 0  # a budget that binds
    assert len(outputs[2]) == POPULATION
    pd.testing.assert_frame_equal(
        outputs[2].drop(columns=["decision_id"]), outputs[1].drop(columns=["decision_id"])
    )
    assert logged[2] == logged[1] and len(logged[1]) == POPULATION


def test_a_worker_process_refuses_a_file_without_a_churn_score_naming_the_column(
    campaign_db, campaign_settings, tmp_path
):
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,tenure_months\n" + "".join(f"c{i},{i}\n" for i in range(8)))
    spec = CampaignSpec(input=str(path), out=str(tmp_path / "out.csv"),
                        offers=("discount_10",), seed=1, batch_size=2)  # fmt: skip
    runner = CampaignRunner(campaign_db, campaign_settings)
    with pytest.raises(InvalidInput) as refused:
        runner.run(runner.create(spec).id, engine=LocalEngine(workers=2))
    assert refused.value.details["field"] == "churn_score"


def test_decision_ids_are_distinct_version_7_uuids_in_increasing_order():
    ids = decision_ids(5_000) + decision_ids(5_000)
    assert len(set(ids)) == len(ids)
    parsed = [uuid.UUID(i) for i in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    assert [str(u) for u in parsed] == ids  # the canonical text form
    assert ids[:5_000] == sorted(ids[:5_000]) and ids[5_000:] == sorted(ids[5_000:])
