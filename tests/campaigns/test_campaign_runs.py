"""A campaign from file to log: one row and one tagged decision per customer, within budgets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from nba.campaigns import CampaignRunner, CampaignSpec
from nba.errors import InvalidInput, NotFound
from nba.storage import count_decisions, get_decision
from nba.storage.tables import CampaignAssignmentRow
from tests.campaigns.conftest import OFFER_IDS, POPULATION


def _spec(customers: Path, tmp_path: Path, **changes: object) -> CampaignSpec:
    terms: dict[str, object] = {
        "input": str(customers),
        "out": str(tmp_path / "assignments.parquet"),
        "offers": OFFER_IDS,
        "seed": 11,
        "budgets": (("discount_25", 8.0),),
        "spend": (("technician_visit", 400.0),),
        "holdout": 0.1,
        "exploration": 0.05,
        "batch_size": 250,
    }
    terms.update(changes)
    return CampaignSpec(**terms)  # type: ignore[arg-type]


def _run(database, settings, spec: CampaignSpec):
    runner = CampaignRunner(database, settings)
    return runner.run(runner.create(spec).id)


def test_every_customer_gets_one_row_and_one_decision_tagged_with_the_campaign(
    any_db, any_settings, customers, tmp_path
):
    campaign_db = any_db
    spec = _spec(customers, tmp_path)
    done = _run(campaign_db, any_settings, spec)
    out = pd.read_parquet(spec.out)
    assert list(out.columns[:5]) == [
        "customer_id", "offer_id", "propensity", "expected_reward", "holdout"
    ]  # fmt: skip
    assert len(out) == POPULATION and out["customer_id"].is_unique
    assert (out.loc[out["holdout"], "offer_id"] == "no_action").all()
    # A 10% holdout of 1,200: within 4 binomial standard deviations.
    assert abs(out["holdout"].sum() - 120) < 4 * np.sqrt(1200 * 0.1 * 0.9)
    with campaign_db.session(readonly=True) as session:
        assert count_decisions(session) == POPULATION
        tagged = session.execute(
            sa.select(sa.func.count()).where(CampaignAssignmentRow.campaign_id == done.id)
        ).scalar_one()
        assert tagged == POPULATION
        row = out.iloc[7]
        decision = get_decision(session, row["decision_id"])
    assert decision is not None and decision.customer_id == row["customer_id"]
    assert decision.chosen == row["offer_id"]
    assert decision.propensity == pytest.approx(row["propensity"])
    assert sum(decision.probabilities) == pytest.approx(1.0)
    assert done.status == "done" and done.summary["assigned"] == POPULATION


def test_budgets_hold_in_expected_accepts_and_the_binding_one_has_a_price(
    campaign_db, campaign_settings, customers, tmp_path
):
    # The sample is the whole file: exploring customers' draws are known, every cap holds.
    spec = _spec(customers, tmp_path, exploration=0.1)
    done = _run(campaign_db, campaign_settings, spec)
    offers = {o["offer_id"]: o for o in done.summary["offers"]}
    assert offers["discount_25"]["expected_accepts"] <= 8.0 + 1e-6
    assert offers["technician_visit"]["expected_accepts"] * 40.0 <= 400.0 + 1e-6
    binding = [o for o in offers.values() if o["shadow_price"] > 0]
    assert binding, offers
    for o in binding:
        assert o["budget_use"] > 0.9  # a priced budget is (nearly) used up
    unbudgeted = offers["data_bonus"]
    assert unbudgeted["shadow_price"] == 0 and unbudgeted["cap_accepts"] is None


def test_a_rerun_of_a_finished_campaign_assigns_nobody_again(
    campaign_db, campaign_settings, customers, tmp_path
):
    spec = _spec(customers, tmp_path)
    first = _run(campaign_db, campaign_settings, spec)
    again = _run(campaign_db, campaign_settings, spec)
    assert again.id == first.id
    with campaign_db.session(readonly=True) as session:
        assert count_decisions(session) == POPULATION


def test_an_unknown_offer_is_refused_before_anything_is_stored(
    campaign_db, campaign_settings, customers, tmp_path
):
    with pytest.raises(NotFound):
        CampaignRunner(campaign_db, campaign_settings).create(
            _spec(customers, tmp_path, offers=("discount_25", "technician_visit", "nope"))
        )


def test_exploring_alone_over_a_budget_is_refused_naming_exploration(
    campaign_db, campaign_settings, customers, tmp_path
):
    spec = _spec(customers, tmp_path, budgets=(("discount_25", 0.01),), exploration=0.5)
    with pytest.raises(InvalidInput) as refused:
        _run(campaign_db, campaign_settings, spec)
    assert refused.value.details["field"] == "exploration"
