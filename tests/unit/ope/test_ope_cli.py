"""`nba evaluate` end to end on a small Parquet log, with CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from click.testing import CliRunner, Result

from nba.cli import main
from nba.logschema import write_log
from nba.ope.synthetic import decision_log


def evaluate(args: list[str]) -> Result:
    """`nba evaluate ARGS`, in-process."""
    return CliRunner().invoke(main, ["evaluate", *args])


def test_evaluate_prints_a_table_and_writes_json_and_html(tmp_path):
    log = write_log(decision_log(400, np.random.default_rng(1)), tmp_path / "log.parquet")
    out = tmp_path / "report"
    result = evaluate(
        [str(log), "--policy", "random", "--policy", "policy:random", "--estimators",
         "ips,snips,dr", "--n-bootstrap", "50", "--seed", "3", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == str(out / "evaluation.json")
    assert any(line.startswith("random") and " dr " in line for line in lines)
    report = json.loads((out / "evaluation.json").read_text())
    assert [c["name"] for c in report["candidates"]] == ["random", "policy:random"]
    first = report["candidates"][0]["estimates"]
    assert [e["name"] for e in first] == ["ips", "snips", "dr"]
    assert all(e["ci_low"] <= e["value"] <= e["ci_high"] for e in first)
    assert {r["band"] for r in report["candidates"][0]["by_band"]} == {"low", "medium", "high"}
    page = (out / "report.html").read_text()
    assert page.index('id="verdict"') < page.index("<svg")
    assert page.count("<svg") == 4  # estimates, differences, churn bands, offers


def test_evaluate_is_reproducible_under_a_seed(tmp_path):
    log = write_log(decision_log(200, np.random.default_rng(2)), tmp_path / "log.csv")
    outputs = []
    for name in ("a", "b"):
        args = [str(log), "--policy", "random", "--seed", "5", "--out", str(tmp_path / name)]
        assert evaluate(args).exit_code == 0
        outputs.append(json.loads((tmp_path / name / "evaluation.json").read_text()))
    assert outputs[0] == outputs[1]


def test_bad_log_fails_with_a_message_naming_field_and_rows(tmp_path):
    frame = decision_log(50, np.random.default_rng(4))
    frame.loc[7, "propensity"] = 0.0
    frame.loc[7, "reward"] = 1.0
    log = write_log(frame, tmp_path / "log.parquet")
    result = evaluate([str(log), "--policy", "random", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "propensity" in result.output and "d000007" in result.output


def test_unknown_estimator_is_a_clear_error(tmp_path):
    log = write_log(decision_log(50, np.random.default_rng(4)), tmp_path / "log.parquet")
    args = [str(log), "--policy", "random", "--estimators", "ips,magic", "--out", str(tmp_path)]
    result = evaluate(args)
    assert result.exit_code == 1 and "magic" in result.output


def test_mass_on_offers_never_eligible_is_warned_about(tmp_path):
    frame = decision_log(100, np.random.default_rng(6))
    log = write_log(frame, tmp_path / "log.parquet")
    kept = frame.dropna(subset=["reward"])
    offers = sorted({o for row in frame["eligible"] for o in row})
    rows = [
        {"decision_id": d, "offer_id": o, "probability": 1 / len(offers)}
        for d in kept["decision_id"]
        for o in offers
    ]
    table = tmp_path / "probs.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    args = [str(log), "--policy", f"table:{table}", "--n-bootstrap", "0", "--out", str(tmp_path)]
    result = evaluate(args)
    assert result.exit_code == 0, result.output
    assert "without logging support" in result.stderr
    report = json.loads((tmp_path / "evaluation.json").read_text())
    estimate = report["candidates"][0]["estimates"][0]
    assert estimate["unsupported_share"] > 0.5 and estimate["ci_low"] is None


def test_evaluate_reads_the_decision_log_from_the_database(runtime, tmp_path):
    from nba.domain import FeedbackKind, FeedbackReport
    from nba.serving.inputs import DecisionRequest

    rng = np.random.default_rng(8)
    for i in range(60):
        request = DecisionRequest(
            f"c{i}", float(rng.random()), (("tenure_months", int(rng.integers(1, 60))),)
        )
        result = runtime.decider.decide(request)
        if i % 6:
            accepted = bool(rng.random() < 0.3)
            report = FeedbackReport(FeedbackKind.ACCEPTANCE, result.decision.id, accepted)
            runtime.feedback.record(report)
    args = ["db", "--database-url", runtime.settings.database.resolved_url, "--policy",
            "random", "--estimators", "ips,snips", "--n-bootstrap", "20", "--seed", "1",
            "--out", str(tmp_path / "out")]  # fmt: skip
    result = evaluate(args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "evaluation.json").read_text())
    assert report["n_rows"] == 50
