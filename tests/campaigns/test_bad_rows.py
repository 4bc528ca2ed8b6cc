"""Bad rows are reported by row number, and refused before anything is written or skipped."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from nba.campaigns import CampaignRunner, CampaignSpec
from nba.errors import InvalidInput
from nba.storage import count_decisions

ROWS = [
    ("c0", "0.4", "12", "basic"),
    ("c1", "high", "30", "basic"),  # churn_score is no number
    ("c2", "1.5", "3", "premium"),  # churn_score out of [0, 1]
    ("", "0.2", "5", "basic"),  # no customer_id
    ("c0", "0.9", "7", "basic"),  # the customer of row 0 again
    ("c5", "0.3", "inf", "basic"),  # a context number that is not finite
    ("c6", "0.7", "", "premium"),  # a missing value is fine
    ("c7", "0.1", "48", "basic"),
]
BAD = {1: "churn_score", 2: "churn_score", 3: "customer_id", 4: "customer_id", 5: "tenure_months"}


def _file(
    tmp_path: Path, rows=ROWS, header=("customer_id", "churn_score", "tenure_months", "plan")
) -> Path:
    path = tmp_path / "customers.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _spec(path: Path, tmp_path: Path, bad_rows: str) -> CampaignSpec:
    return CampaignSpec(
        input=str(path),
        out=str(tmp_path / "out.csv"),
        offers=("discount_10", "data_bonus"),
        seed=1,
        holdout=0.0,
        bad_rows=bad_rows,  # type: ignore[arg-type]
        batch_size=3,
    )


def _listed(tmp_path: Path) -> dict[int, str]:
    listed = pd.read_csv(tmp_path / "out.csv.bad_rows.csv")
    return dict(zip(listed["row"], listed["field"], strict=True))


def test_bad_rows_are_refused_by_number_before_anything_is_written(
    campaign_db, campaign_settings, tmp_path
):
    runner = CampaignRunner(campaign_db, campaign_settings)
    campaign = runner.create(_spec(_file(tmp_path), tmp_path, "refuse"))
    with pytest.raises(InvalidInput) as refused:
        runner.run(campaign.id)
    problems = refused.value.details["problems"]
    assert {p["row"]: p["field"] for p in problems} == BAD
    assert "row 1 churn_score" in refused.value.message
    assert _listed(tmp_path) == BAD
    with campaign_db.session(readonly=True) as session:
        assert count_decisions(session) == 0
    assert not (tmp_path / "out.csv").exists()
    assert runner.get(campaign.id).status == "failed"


def test_skipped_bad_rows_are_listed_and_the_good_ones_assigned(
    campaign_db, campaign_settings, tmp_path
):
    runner = CampaignRunner(campaign_db, campaign_settings)
    done = runner.run(runner.create(_spec(_file(tmp_path), tmp_path, "skip")).id)
    out = pd.read_csv(tmp_path / "out.csv")
    assert sorted(out["row"]) == [0, 6, 7]
    assert done.summary["bad_rows"] == len(BAD)
    assert _listed(tmp_path) == BAD
    with campaign_db.session(readonly=True) as session:
        assert count_decisions(session) == 3


def test_a_file_without_a_churn_score_column_is_refused_naming_it(
    campaign_db, campaign_settings, tmp_path
):
    path = _file(tmp_path, [("c0", "12")], header=("customer_id", "tenure_months"))
    runner = CampaignRunner(campaign_db, campaign_settings)
    with pytest.raises(InvalidInput) as refused:
        runner.run(runner.create(_spec(path, tmp_path, "skip")).id)
    assert refused.value.details["field"] == "churn_score"
