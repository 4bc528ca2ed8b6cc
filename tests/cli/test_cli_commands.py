"""The `nba` commands in-process through click's CliRunner, on a temporary SQLite database."""

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


def test_keys_create_prints_the_key_last(nba):
    result = nba("keys", "create", "--role", "crm")
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("nba_") and len(key) > 30
    listed = nba("keys", "list").stdout
    assert "\tcrm\tactive" in listed


def test_keys_create_rejects_an_unknown_role(nba):
    assert nba("keys", "create", "--role", "boss", ok=False).exit_code != 0


def test_offers_add_from_flags_list_show_retire(nba):
    flags = ["--cost", "5", "--feature", "pct=10", "--feature", "tier=gold", "--churn-min", "0.4"]
    nba("offers", "add", "--id", "disc", "--name", "Discount", "--category", "discount", *flags)
    assert "disc\tv1\tactive\tdiscount" in nba("offers", "list").stdout
    shown = json.loads(nba("offers", "show", "disc").stdout)
    assert shown["features"] == {"pct": 10, "tier": "gold"}
    assert shown["eligibility"]["churn_min"] == 0.4
    assert "disc\tv2\tretired" in nba("offers", "retire", "disc").stdout
    assert "disc" not in nba("offers", "list", "--status", "active").stdout


def test_offers_add_from_a_yaml_file_with_a_list(nba, tmp_path):
    path = tmp_path / "offers.yaml"
    path.write_text(
        "offers:\n"
        "  - {id: tech_visit, name: Technician visit, category: service, cost: 30}\n"
        "  - {id: upsell, name: Premium upsell, category: upsell, value: 20,\n"
        "     eligibility: {churn_max: 0.3}}\n"
    )
    nba("offers", "add", "--file", str(path))
    listed = nba("offers", "list").stdout
    assert "tech_visit" in listed and "upsell" in listed and "no_action" in listed


def test_offers_edit_sets_fields_as_a_new_version(nba):
    nba("offers", "add", "--id", "disc", "--name", "Discount", "--category", "discount")
    assert "disc\tv2" in nba("offers", "edit", "disc", "--set", "cost=7.5").stdout
    assert json.loads(nba("offers", "show", "disc").stdout)["cost"] == 7.5


def test_bad_offer_file_fails_naming_the_field(nba, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"id": "x", "name": "X", "category": "bribe"}))
    result = nba("offers", "add", "--file", str(path), ok=False)
    assert result.exit_code != 0 and "category" in result.output


def test_decide_prints_a_logged_decision_and_export_contains_it(nba, tmp_path):
    reply = json.loads(nba("decide", "--customer", "c1", "--churn", "0.7",
                           "--context", '{"plan": "gold"}').stdout)  # fmt: skip
    assert reply["offer_id"] == "no_action" and reply["probability"] == 1.0
    out = tmp_path / "log.parquet"
    assert nba("export", "--out", str(out)).stdout.strip() == str(out)
    import pandas as pd

    frame = pd.read_parquet(out)
    assert list(frame["decision_id"]) == [reply["decision_id"]]


def test_decide_with_bad_churn_fails_naming_it(nba):
    result = nba("decide", "--customer", "c1", "--churn", "3", ok=False)
    assert result.exit_code != 0 and "churn_score" in result.output


def test_models_train_force_saves_a_version_and_list_shows_it(nba):
    assert nba("models", "train", "--force").stdout.strip() == "saved model version 1"
    assert nba("models", "list").stdout.splitlines()[1].startswith("1\tvw\t")
    assert "activated model version 1" in nba("models", "activate", "1").stdout
    assert nba("models", "activate", "9", ok=False).exit_code != 0


def test_evaluate_reads_the_database_and_a_saved_model_version(nba, tmp_path):
    from nba.config import Settings
    from nba.domain import FeedbackKind, FeedbackReport
    from nba.runtime import build_runtime
    from nba.serving.inputs import DecisionRequest

    runtime = build_runtime(Settings(data_dir=tmp_path / "data", seed=1, trainer_enabled=False))
    runtime.catalog.add({"id": "disc", "name": "Discount", "category": "discount"})
    for i in range(200):
        request = DecisionRequest(f"c{i}", (i % 10) / 10, channel="app" if i % 2 else "call")
        d = runtime.decider.decide(request).decision
        accepted = d.chosen == "disc"
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, accepted))
    runtime.close()
    assert nba("models", "train").stdout.strip().startswith("saved model version")
    out = tmp_path / "eval"
    options = ["--channel", "app", "--n-bootstrap", "20", "--seed", "1", "--out", str(out)]
    result = nba("evaluate", "db", "--policy", "version:1", "--policy", "rules", *options)
    report = json.loads((out / "evaluation.json").read_text())
    assert report["n_rows"] == 100
    assert [c["name"] for c in report["candidates"]] == ["version:1", "rules"]
    assert result.stdout.strip().splitlines()[-1] == str(out / "evaluation.json")
    assert (out / "report.html").exists()
