"""`nba decide --signals`: a decision from raw signals, recorded with its health score."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nba.cli import main


@pytest.fixture
def nba(tmp_path):
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, [*args, "--data-dir", str(tmp_path / "data")])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def test_decide_with_signals_logs_the_health_score_in_the_context(nba, tmp_path):
    signals = json.dumps({"support_calls_7d": 4, "usage_change_14d_pct": -40})
    json.loads(nba("decide", "--customer", "c1", "--signals", signals).stdout)
    out = tmp_path / "log.csv"
    nba("export", "--out", str(out))
    import pandas as pd

    context = json.loads(pd.read_csv(out)["context"][0])
    assert context["health.score"] == 55 and context["health.band"] == "amber"
    assert context["health.families"] == "service,usage"
    assert context["signal.support_calls_7d"] == 4


@pytest.mark.parametrize(
    "args, says",
    [
        ((), "churn_score: is required unless signals are sent"),
        (("--churn", "0.5", "--signals", '{"tenure_months": 3}'), "not both"),
        (("--signals", '{"tenure": 3}'), "signals.tenure: unknown field"),
        (("--signals", "{not json"), "--signals"),
    ],
)
def test_decide_needs_exactly_one_of_churn_and_signals(nba, args, says):
    result = nba("decide", "--customer", "c1", *args, ok=False)
    assert result.exit_code != 0 and says in result.output
