"""`nba models list` has a header and one time format; `train` with nothing new saves nothing."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from nba.cli import main
from nba.config import Settings
from nba.domain import FeedbackKind, FeedbackReport
from nba.runtime import build_runtime
from nba.serving.inputs import DecisionRequest

ISO_UTC = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


@pytest.fixture
def data(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def nba(data):
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(main, [*args, "--data-dir", str(data)])
        assert result.exit_code == 0, result.output
        return result

    return run


def _outcomes(data, n: int) -> None:
    runtime = build_runtime(Settings(data_dir=data, seed=1, trainer_enabled=False))
    runtime.catalog.add({"id": "disc", "name": "Discount", "category": "discount"})
    for i in range(n):
        d = runtime.decider.decide(DecisionRequest(f"c{i}", 0.5)).decision
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, i % 2 == 0))
    runtime.close()


def test_train_with_nothing_to_learn_says_so_and_saves_nothing(nba):
    result = nba("models", "train")
    assert result.stdout == ""
    assert result.stderr.startswith("nothing to learn: no decision has an outcome yet; ")
    assert "no version saved" in result.stderr
    assert nba("models", "list").stdout.splitlines()[1:] == []


def test_train_learns_new_outcomes_once_then_has_nothing_to_learn(nba, data):
    _outcomes(data, 20)
    assert nba("models", "train", "--no-evaluate").stdout == "saved model version 1\n"
    again = nba("models", "train")
    assert again.stdout == ""
    assert "no decision got an outcome since model version 1 was trained" in again.stderr
    assert len(nba("models", "list").stdout.splitlines()) == 2


def test_models_list_has_a_header_and_iso_utc_times_to_the_second(nba, data):
    _outcomes(data, 20)
    nba("models", "train", "--no-evaluate")
    nba("models", "train", "--force", "--no-evaluate")
    header, *rows = nba("models", "list").stdout.splitlines()
    assert header.split("\t") == [
        "version", "policy", "created_utc", "trained_up_to_utc", "state", "metrics",
    ]  # fmt: skip
    assert [row.split("\t")[0] for row in rows] == ["2", "1"]
    for row in rows:
        _, _, created, trained, _, metrics = row.split("\t")
        assert re.fullmatch(ISO_UTC, created) and re.fullmatch(ISO_UTC, trained), row
        assert "learned_total=20" in metrics
    assert rows[0].split("\t")[4] == "active" and rows[1].split("\t")[4] == "-"
