"""`nba campaign run|report`: a crash mid-run, a rerun that continues, the report's figures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from click.testing import CliRunner

from nba.cli import main
from nba.storage import count_decisions
from nba.storage.tables import CampaignAssignmentRow, CampaignRow
from tests.campaigns.conftest import POPULATION

ROOT = Path(__file__).resolve().parents[2]


def _args(customers: Path, out: Path, url: str) -> list[str]:
    return [
        "campaign", "run", str(customers), "--offers", "discount_10,discount_25,technician_visit",
        "--budget", "discount_25=6", "--spend", "technician_visit=300", "--holdout", "0.1",
        "--out", str(out), "--seed", "4", "--batch-size", "20", "--database-url", url,
    ]  # fmt: skip


def _rows_done(database) -> int:
    with database.session(readonly=True) as session:
        done = session.execute(sa.select(sa.func.max(CampaignRow.rows_done))).scalar_one()
    return int(done or 0)


def test_a_rerun_after_a_crash_continues_and_assigns_no_customer_twice(
    campaign_db, campaign_settings, customers, tmp_path
):
    out = tmp_path / "assignments.parquet"
    args = _args(customers, out, campaign_settings.database.resolved_url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "nba", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _rows_done(campaign_db) < 200 and process.poll() is None:
        assert time.monotonic() < deadline, "the campaign never started assigning"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    crashed_at = _rows_done(campaign_db)
    assert 0 < crashed_at < POPULATION, "killed too late to test a resume"

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "continuing campaign" in result.stderr
    assert "customers the contact rules held offers back from: suppressed 0 (0 offers)" in (
        result.stderr
    )
    frame = pd.read_parquet(out)
    assert len(frame) == POPULATION and frame["customer_id"].is_unique
    with campaign_db.session(readonly=True) as session:
        assert count_decisions(session) == POPULATION  # the killed batch left no decision
        assigned = session.execute(
            sa.select(sa.func.count(sa.distinct(CampaignAssignmentRow.customer_id)))
        ).scalar_one()
        assert assigned == POPULATION
    campaign_id = result.stdout.strip().splitlines()[-1]

    report = CliRunner().invoke(main, ["campaign", "report", campaign_id, "--database-url",
                                       campaign_settings.database.resolved_url])  # fmt: skip
    assert report.exit_code == 0, report.output
    assert "technician_visit" in report.stdout
    assert "retention rate, treated - holdout: no answers in both arms yet" in report.stdout
    assert "cooldown 0 (0 offers)" in report.stdout
