"""An exported log carries what the evaluator needs: a file is scored as the database is."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from nba.cli import main
from nba.domain import FeedbackKind, FeedbackReport
from nba.errors import InvalidInput
from nba.logschema import COLUMNS, EXPORT_COLUMNS, read_log, write_log
from nba.ope.candidates import parse_candidate
from nba.ope.logs import from_frame
from nba.serving.inputs import DecisionRequest


@pytest.fixture
def stored_log(runtime) -> str:
    """60 decisions of the sample offers in the runtime's database, 50 with an outcome."""
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
    return runtime.settings.database.resolved_url


def evaluate(args: list[str]) -> Result:
    """`nba evaluate ARGS`, in-process, errors handled as the command line handles them."""
    return CliRunner().invoke(main, ["evaluate", *args])


def _export(url: str, path) -> None:
    result = CliRunner().invoke(main, ["export", str(path), "--database-url", url])
    assert result.exit_code == 0, result.output


def _rules_value(args: list[str], out) -> float:
    base = ["--policy", "rules", "--estimators", "ips", "--n-bootstrap", "0", "--seed", "1"]
    result = evaluate([*args, *base, "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "evaluation.json").read_text())
    return report["candidates"][0]["estimates"][0]["value"]


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_the_export_carries_each_offers_version_category_and_features(
    runtime, stored_log, tmp_path, suffix
):
    path = tmp_path / f"log.{suffix}"
    _export(stored_log, path)
    frame = read_log(path)
    assert tuple(frame.columns) == EXPORT_COLUMNS
    offers = {o.id: o for o in runtime.catalog.list()}
    for row in frame.itertuples():
        assert len(row.eligible_categories) == len(row.eligible)
        features = json.loads(row.eligible_features)
        for offer_id, version, category, own in zip(
            row.eligible, row.eligible_versions, row.eligible_categories, features, strict=True
        ):
            assert category == offers[offer_id].category and version == offers[offer_id].version
            assert own == dict(offers[offer_id].features)
    data = from_frame(frame)
    assert data.offer_snapshots is not None and data.categories()["no_action"] == "none"


def test_rules_on_an_exported_file_score_as_on_the_database(stored_log, tmp_path):
    path = tmp_path / "log.parquet"
    _export(stored_log, path)
    from_file = _rules_value([str(path)], tmp_path / "file")
    from_db = _rules_value(["db", "--database-url", stored_log], tmp_path / "db")
    uniform = evaluate([str(path), "--policy", "random", "--estimators", "ips", "--n-bootstrap",
                        "0", "--seed", "1", "--out", str(tmp_path / "random")])  # fmt: skip
    assert uniform.exit_code == 0
    random = json.loads((tmp_path / "random" / "evaluation.json").read_text())
    assert from_file == pytest.approx(from_db)
    assert from_file != pytest.approx(random["candidates"][0]["estimates"][0]["value"])


def test_rules_on_a_log_without_categories_say_so_instead_of_acting_as_random(stored_log, tmp_path):
    path = tmp_path / "log.parquet"
    _export(stored_log, path)
    old = tmp_path / "old.parquet"
    write_log(pd.read_parquet(path)[list(COLUMNS)], old)  # as exports were before
    args = [str(old), "--policy", "rules", "--n-bootstrap", "0", "--out", str(tmp_path / "o")]
    result = evaluate(args)
    assert result.exit_code == 1
    assert "category" in result.output and "nba export" in result.output
    categories = tmp_path / "categories.yaml"
    categories.write_text("loyalty: loyalty\nno_action: none\n")
    with_file = evaluate([*args, "--categories", str(categories)])
    assert with_file.exit_code == 0, with_file.output


def test_a_saved_model_on_a_log_without_offer_snapshots_says_so(stored_log, tmp_path):
    path = tmp_path / "log.parquet"
    _export(stored_log, path)
    data = from_frame(pd.read_parquet(path)[list(COLUMNS)])
    import policies

    saved = tmp_path / "model.bin"
    saved.write_bytes(policies.get("vw").save())
    candidate = parse_candidate(f"model:vw:{saved}")
    with pytest.raises(InvalidInput, match="names its offers only"):
        candidate.action_dist(data, np.random.default_rng(0))


def test_mismatched_snapshot_columns_are_refused_naming_the_rows(stored_log, tmp_path):
    path = tmp_path / "log.parquet"
    _export(stored_log, path)
    frame = pd.read_parquet(path)
    frame.at[3, "eligible_categories"] = ["discount"]
    frame.loc[3, "reward"] = 1.0
    with pytest.raises(InvalidInput) as caught:
        from_frame(frame)
    assert caught.value.field == "eligible_features"
    assert str(frame.loc[3, "decision_id"]) in str(caught.value)
